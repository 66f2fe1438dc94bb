"""Integration tests against the Datameer emulator over loopback HTTP.

The helpers below serve the ``test_hook_*`` modules: one test table drives the sync path
(``hook.get_job_status(...)``) and the async twin (``await hook.aget_job_status(...)``) through
:class:`Via`, and the emulator is steered through its control API, never by reaching into its objects.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

import pytest

# Default jobs (airflow_provider_datameer/emulator/default_jobs.json): file id -> configuration id.
IMPORT, WORKBOOK, WARNINGS, EXPORT, BROKEN, LONG = 48, 57, 60, 61, 62, 63
CONFIGURATION = {IMPORT: 41, WORKBOOK: 50, WARNINGS: 52, EXPORT: 53, BROKEN: 54, LONG: 55}
UNKNOWN_FILE = 9999


@dataclass(frozen=True)
class Via:
    """Calls a hook command on one path: ``hook.<command>(...)`` or ``await hook.a<command>(...)``.

    The sync call runs inside the async test's event loop; that is harmless because the emulator serves
    from its own thread.
    """

    is_async: bool

    async def __call__(self, hook: Any, command: str, *args: Any) -> Any:
        if self.is_async:
            return await getattr(hook, f"a{command}")(*args)
        return getattr(hook, command)(*args)

    def __str__(self) -> str:
        return "async" if self.is_async else "sync"


#: Parametrize a test over both transports: the test takes a ``via`` argument.
BOTH_PATHS = pytest.mark.parametrize("via", [Via(False), Via(True)], ids=str)


def finished_run(emulator: Any, file_id: int) -> int:
    """Start a run of the job that is already over (zero queue and run time); returns its execution id."""
    emulator.client.patch_job(file_id, queue_seconds=0, run_seconds=0)
    return emulator.client.trigger_as(file_id)


def running_run(emulator: Any, file_id: int = LONG) -> int:
    """Start a run that is RUNNING at once and for minutes (the long job); returns its execution id."""
    emulator.client.patch_job(file_id, queue_seconds=0, run_seconds=600)
    return emulator.client.trigger_as(file_id)


def execution(emulator: Any, execution_id: int) -> dict[str, Any]:
    """The emulator's own view of one execution (status, wall-clock start/stop, data_deleted)."""
    return next(e for e in emulator.client.state()["executions"] if e["id"] == execution_id)


def logged(emulator: Any, endpoint: str | None = None) -> list[dict[str, Any]]:
    """Datameer requests the emulator answered (faulted ones included), oldest first."""
    return emulator.client.requests(endpoint)


def wait_for_logged(emulator: Any, endpoint: str, count: int, deadline: float = 30.0) -> list[dict[str, Any]]:
    """Poll the request log until ``count`` requests of ``endpoint`` are in it (a delayed answer is logged
    only when it is sent)."""
    end = time.monotonic() + deadline
    while len(found := logged(emulator, endpoint)) < count:
        assert time.monotonic() < end, f"only {len(found)} {endpoint} request(s) logged, expected {count}"
        time.sleep(0.05)
    return found


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
