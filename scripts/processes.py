"""Local processes started and stopped by PID: each in its own session, its output in a log file.

A process gets its own session (``setsid``) so that a Ctrl-C in the terminal reaches only our script, which
then stops what it started in order. Stopping never looks processes up by name: it signals the PID it
started, then SIGKILLs, by PID, whatever is left of that process's tree and session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import psutil

T = TypeVar("T")

#: Runs a command with SIGINT at its default disposition: a process started from a background job inherits
#: SIGINT *ignored*, and ``airflow standalone`` then could not be stopped the graceful way, by SIGINT.
_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (another process may still take it before we bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for(
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.5,
    retry_on: tuple[type[Exception], ...] = (Exception,),
) -> T:
    """Call ``check`` until it returns something truthy and return that; ``TimeoutError`` naming ``what``.

    Exceptions of the ``retry_on`` types count as "not yet" (a server still starting refuses connections);
    the last one is chained to the ``TimeoutError``. Others propagate at once.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    error: Exception | None = None
    while True:
        try:
            last = check()
            if last:
                return last
        except retry_on as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:g} s (last: {last!r})") from error
        time.sleep(interval)


def log_tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file ("" if there is none yet)."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Spawned:
    """One process we started: ``start`` it, read its log, ``stop`` it (or ``kill`` it, for fault tests).

    The PID is that of ``command`` itself (started through an ``exec``), in a session of its own.
    """

    def __init__(self, name: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.name = name
        self.process = process
        self.log_path = log_path
        self.killed = False

    @classmethod
    def start(
        cls, name: str, command: Sequence[str], *, env: Mapping[str, str], log_path: Path, cwd: Path | None = None
    ) -> Spawned:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", _DEFAULT_SIGINT, *command],
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name, process, log_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def children(self) -> list[psutil.Process]:
        """Direct children (e.g. the components under ``airflow standalone``)."""
        with contextlib.suppress(psutil.Error):
            return psutil.Process(self.pid).children()
        return []

    def stop(self, sig: int = signal.SIGINT, grace: float = 30.0) -> None:
        """Send ``sig`` to our PID and wait up to ``grace`` s; then SIGKILL what is left of tree and session."""
        leftovers = _tree(self.pid)
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        _sigkill([*leftovers, *_tree(self.pid), *_session(self.pid)])
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def kill(self) -> list[int]:
        """SIGKILL our PID and all its descendants at once, as a crash would; returns the PIDs killed."""
        self.killed = True
        return kill_tree(self.pid)


def kill_tree(pid: int) -> list[int]:
    """SIGKILL ``pid`` and all its descendants (an abrupt death of a whole component); returns their PIDs."""
    victims = _tree(pid)
    _sigkill(victims)
    return [p.pid for p in victims]


def _tree(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    return []


def _session(sid: int) -> list[psutil.Process]:
    """Processes still in the session we created for ``sid`` (orphans re-parented to init)."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if proc.pid != sid and os.getsid(proc.pid) == sid:
                found.append(proc)
    return found


def _sigkill(processes: Sequence[psutil.Process]) -> None:
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(list(processes), timeout=10)
