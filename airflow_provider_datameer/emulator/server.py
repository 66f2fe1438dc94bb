"""Serving: `start_site` (shared with the CLI) and `EmulatorServer` (in-process, background thread).

`EmulatorServer` keeps its `EmulatorState` across `stop()`/`start()`, and after the first start always
binds the same port again (SO_REUSEADDR), so tests can take the server down mid-wait and bring it back.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from .app import make_app
from .client import EmulatorClient
from .jobs import DEFAULT_JOBS_FILE, Job, load_jobs_file, parse_jobs_document
from .state import EmulatorState

SHUTDOWN_TIMEOUT = 1.0


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def start_site(
    state: EmulatorState,
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None = None,
    access_log: bool = False,
) -> tuple[web.AppRunner, int]:
    """Serve `state` on host:port (0 = any free port); returns the runner and the bound port.

    No access log by default: pollers in benchmarks send thousands of requests a second.
    """
    logger = logging.getLogger("aiohttp.access") if access_log else None
    runner = web.AppRunner(make_app(state), access_log=logger, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    sock = bind_socket(host, port)
    bound = sock.getsockname()[1]
    try:
        await web.SockSite(runner, sock, ssl_context=ssl_context, backlog=4096).start()
    except BaseException:
        sock.close()
        await runner.cleanup()
        raise
    return runner, bound


def build_state(
    jobs: Iterable[Mapping[str, Any] | Job] | None = None,
    jobs_file: str | Path | None = None,
    switches: Mapping[str, Any] | None = None,
    users: Mapping[str, str] | None = None,
    faults: Iterable[Mapping[str, Any]] = (),
) -> EmulatorState:
    """State from job dicts, or a jobs file (default: default_jobs.json); `switches` override the file's."""
    if jobs is not None and jobs_file is not None:
        raise ValueError("pass jobs or jobs_file, not both")
    loaded = (
        parse_jobs_document([j.to_dict() if isinstance(j, Job) else j for j in jobs], "jobs")
        if jobs is not None
        else load_jobs_file(jobs_file or DEFAULT_JOBS_FILE)
    )
    return EmulatorState(loaded.jobs, {**loaded.switches, **(switches or {})}, users, faults)


class EmulatorServer:
    """A Datameer emulator on its own event loop in a daemon thread. Use as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        jobs: Iterable[Mapping[str, Any] | Job] | None = None,
        jobs_file: str | Path | None = None,
        switches: Mapping[str, Any] | None = None,
        users: Mapping[str, str] | None = None,
        faults: Iterable[Mapping[str, Any]] = (),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.state = build_state(jobs, jobs_file, switches, users, faults)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def users(self) -> dict[str, str]:
        return self.state.users

    @property
    def client(self) -> EmulatorClient:
        return EmulatorClient(self.url, verify_tls=False)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> EmulatorServer:
        """Bind and serve; returns once the port is bound (raises if it cannot be)."""
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                outcome["site"] = loop.run_until_complete(
                    start_site(self.state, self.host, self.port, self.ssl_context)
                )
            except BaseException as exc:
                outcome["error"] = exc
            ready.set()
            if "site" in outcome:
                loop.run_forever()
            loop.close()

        thread = threading.Thread(target=run, name="datameer-emulator", daemon=True)
        thread.start()
        ready.wait()
        if "error" in outcome:
            thread.join()
            raise outcome["error"]
        self._runner, self.port = outcome["site"]
        self._loop, self._thread = loop, thread
        return self

    def stop(self) -> None:
        """Stop serving (open connections are closed); the state is kept for a later `start()`."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None or runner is None:
            return
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=SHUTDOWN_TIMEOUT + 10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._loop = self._thread = self._runner = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
