"""Emulators in separate processes, generated jobs files, Airflow connections to them, and their records.

Every benchmark talks to ``python -m airflow_provider_datameer.emulator`` in another process (never in the
client's own process, whose CPU time is what is measured). :func:`isolate_airflow` must run before
anything imports Airflow.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_datameer.emulator import EmulatorClient, EmulatorProcess

LOGIN = PASSWORD = "admin"
FIRST_FILE_ID = 1000


def isolate_airflow(log_level: str = "WARNING") -> None:
    """A throw-away ``AIRFLOW_HOME`` and quiet logs, before Airflow is imported.

    The triggerer writes trigger logs at INFO into per-trigger files; a benchmark process would print them
    to stdout instead, so the level is WARNING unless asked otherwise (``--log-level``). Deprecation
    warnings (the peer's ``BasicAuth``) are silenced so that the tables stay readable.
    """
    if "AIRFLOW_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="datameer-bench-airflow-")
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        os.environ["AIRFLOW_HOME"] = home
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = log_level
    import airflow.configuration  # noqa: F401  (it turns Airflow's deprecation warnings on; turn them off after)

    warnings.filterwarnings("ignore", category=DeprecationWarning)


def logs_to_stderr() -> contextlib.AbstractContextManager[object]:
    """Send what Airflow's loggers print (to stdout) to stderr while measuring: stdout is for the report."""
    return contextlib.redirect_stdout(sys.stderr)


def set_datameer_connection(conn_id: str, url: str, **extra: Any) -> str:
    """``AIRFLOW_CONN_<ID>``: a ``datameer`` connection to an emulator (default retries unless given)."""
    parts = urlsplit(url)
    value = {
        "conn_type": "datameer",
        "host": parts.hostname,
        "port": parts.port,
        "schema": parts.scheme,
        "login": LOGIN,
        "password": PASSWORD,
        "extra": extra,
    }
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(value)
    return conn_id


def set_http_connection(conn_id: str, url: str) -> str:
    """``AIRFLOW_CONN_<ID>``: an ``http`` connection (the peer provider) to the same emulator."""
    parts = urlsplit(url)
    value = {
        "conn_type": "http",
        "host": parts.hostname,
        "port": parts.port,
        "schema": parts.scheme,
        "login": LOGIN,
        "password": PASSWORD,
    }
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(value)
    return conn_id


def make_jobs(
    run_seconds: Sequence[float],
    *,
    first_file_id: int = FIRST_FILE_ID,
    queue_seconds: float = 1.0,
    estimate: str = "accurate",
    outcomes: Sequence[str] = ("COMPLETED",),
    prefix: str = "bench",
) -> list[dict[str, Any]]:
    """One emulator job per duration; outcomes cycle through ``outcomes``."""
    return [
        {
            "file_id": first_file_id + i,
            "configuration_id": first_file_id + i,
            "path": f"/Bench/{prefix}_{first_file_id + i}.imp",
            "type": "import",
            "queue_seconds": queue_seconds,
            "run_seconds": round(seconds, 3),
            "outcome": outcomes[i % len(outcomes)],
            "estimate": estimate,
        }
        for i, seconds in enumerate(run_seconds)
    ]


def staggered(n: int, low: float, high: float) -> list[float]:
    """``n`` durations spread evenly over ``[low, high]``."""
    if n <= 1:
        return [low] * n
    return [low + (high - low) * i / (n - 1) for i in range(n)]


class EmulatorFleet:
    """``count`` emulator processes; jobs are dealt round-robin, each emulator has its own connection id.

    :param jobs: job objects (see :func:`make_jobs`).
    :param connection_extra: extras of every ``datameer`` connection (e.g. ``retries``).
    :param extra_args: CLI arguments of every emulator (``--switch``, ``--fault`` ...).
    """

    def __init__(
        self,
        jobs: Sequence[dict[str, Any]],
        *,
        count: int = 1,
        connection_extra: dict[str, Any] | None = None,
        extra_args: Sequence[str] = (),
        conn_prefix: str = "bench_datameer",
    ) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="datameer-bench-jobs-")
        self.processes: list[EmulatorProcess] = []
        self.clients: list[EmulatorClient] = []
        self.conn_ids: list[str] = []
        self._home: dict[int, int] = {}
        self._connection_extra = connection_extra or {}
        self._conn_prefix = conn_prefix
        for k in range(count):
            share = list(jobs[k::count])
            path = Path(self._dir.name, f"jobs-{k}.json")
            path.write_text(json.dumps({"jobs": share}))
            self.processes.append(EmulatorProcess(jobs_file=path, extra_args=list(extra_args)))
            self._home.update({job["file_id"]: k for job in share})

    def __enter__(self) -> EmulatorFleet:
        try:
            for k, process in enumerate(self.processes):
                process.start()
                self.clients.append(EmulatorClient(process.url, timeout=120))
                conn_id = f"{self._conn_prefix}_{k}"
                self.conn_ids.append(set_datameer_connection(conn_id, process.url, **self._connection_extra))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        self._dir.cleanup()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def conn_id(self, file_id: int) -> str:
        return self.conn_ids[self._home[file_id]]

    def client(self, file_id: int) -> EmulatorClient:
        return self.clients[self._home[file_id]]

    def trigger(self, file_ids: Iterable[int], threads: int = 8) -> dict[int, int]:
        """Start one execution per job through the control API (as the Datameer UI/scheduler would)."""
        ids = list(file_ids)
        with ThreadPoolExecutor(threads) as pool:
            executions = pool.map(lambda f: self.client(f).trigger_as(f), ids)
            return dict(zip(ids, executions, strict=True))

    def clear_requests(self) -> None:
        for client in self.clients:
            client.clear_requests()

    def counters(self) -> dict[str, int]:
        """Requests by endpoint, summed over the emulators (exact, unlike the bounded request log)."""
        total: dict[str, int] = {}
        for client in self.clients:
            for endpoint, count in client.counters()["by_endpoint"].items():
                total[endpoint] = total.get(endpoint, 0) + count
        return total

    def statuses(self) -> dict[str, int]:
        """Responses by HTTP status (``"reset"`` for dropped connections), summed over the emulators."""
        total: dict[str, int] = {}
        for client in self.clients:
            for status, count in client.counters()["by_status"].items():
                total[status] = total.get(status, 0) + count
        return total

    def requests(self) -> list[dict[str, Any]]:
        return [entry for client in self.clients for entry in client.requests()]

    def stop_epochs(self) -> dict[tuple[int, int], float | None]:
        """``(file_id, execution_id) -> stop time`` (epoch seconds) from each emulator's control API state."""
        stops: dict[tuple[int, int], float | None] = {}
        for client in self.clients:
            for execution in client.state()["executions"]:
                stops[(execution["file_id"], execution["id"])] = execution["stop"]
        return stops


def requests_per_second(entries: Sequence[dict[str, Any]]) -> tuple[float, int]:
    """Mean and peak (busiest whole second) rate of logged requests."""
    if not entries:
        return 0.0, 0
    times = [entry["time"] for entry in entries]
    span = max(times) - min(times)
    buckets: dict[int, int] = {}
    for t in times:
        buckets[int(t)] = buckets.get(int(t), 0) + 1
    return (len(times) / span if span > 0 else float(len(times))), max(buckets.values())
