"""Datameer's own view of the listed runs, asked server-side through the provider's async hook.

Built so that the page cannot flood Datameer or hang on it:

- every Datameer answer is shared: a job's V2 status (one per job, whatever the number of its rows), an
  execution's job details, a configuration's history, each for ``ttl`` seconds (an ended execution's details for
  ``ended_ttl``); concurrent asks share one request, so ten open browsers cost what one does;
- at most ``per_connection`` requests of one connection are in flight; each is bounded by the connection's
  ``timeout`` (the hook's retries included);
- a connection that failed at the transport level (refused, timed out, TLS, credentials) is "unreachable" for
  ``ttl`` seconds without asking again; a connection Airflow cannot resolve in this process is "unavailable";
- a page waits at most ``budget`` seconds: rows still being asked say "pending", and the answers land in the
  cache for the next refresh.

Errors never leave this module: every row asked gets a :class:`Live` whose ``state`` says what happened.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerError,
    DatameerTLSError,
    DatameerTransientError,
)
from airflow_provider_datameer.core.status import TERMINAL_STATES, DatameerJobStatus
from airflow_provider_datameer.core.values import whole_number
from airflow_provider_datameer.plugins.rows import Row, TaskKey

log = logging.getLogger(__name__)

LIVE, UNREACHABLE, UNAVAILABLE, PENDING, RECORDED = "live", "unreachable", "unavailable", "pending", "recorded"
#: Failures that say the connection, not the one execution, is the problem (they open the connection's breaker).
_CONNECTION_DOWN = (DatameerTransientError, DatameerTLSError, DatameerAuthError, TimeoutError)
_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)


class _BreakerOpen(Exception):
    """The connection failed at the transport level less than ``ttl`` seconds ago: it is not asked again yet."""


@dataclass(frozen=True)
class Live:
    """What Datameer says of one execution now, or why nothing is known (``state``)."""

    state: str
    status: str | None = None
    progress: float | None = None
    estimated_end: datetime | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None
    success_count: int | None = None
    failure_count: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


def from_status(status: Any) -> Live:
    """A V2 status answer (about the latest execution of a file) already known to be about ours."""
    end = None
    if status.estimate_seconds is not None and status.status.value not in _TERMINAL:
        end = datetime.now(UTC) + timedelta(seconds=status.estimate_seconds)
    return Live(LIVE, status.status.value, status.progress, end, status.start_time, status.stop_time)


def from_details(details: Any) -> Live:
    return Live(
        LIVE,
        details.status.value,
        start_time=details.start_time,
        stop_time=details.stop_time,
        success_count=details.success_count,
        failure_count=details.failure_count,
    )


class LiveStatus:
    """One per app: the shared answers, the per-connection semaphores and breakers last as long as the process."""

    def __init__(
        self, *, ttl: float = 5.0, ended_ttl: float = 600.0, per_connection: int = 4, budget: float = 8.0
    ) -> None:
        self.ttl, self.ended_ttl, self.per_connection, self.budget = ttl, ended_ttl, per_connection, budget
        self._answers: dict[tuple[Any, ...], tuple[float, asyncio.Future[Any]]] = {}  # key -> (expiry, answer)
        self._gates: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = {}
        self._down_until: dict[str, float] = {}
        self._running: set[asyncio.Task[Live]] = set()  # rows a page stopped waiting for, still being asked

    async def of(self, rows: list[Row], *, history: bool = False) -> dict[TaskKey, Live]:
        """Datameer's view of every row worth asking: in flight, or ended without a recorded outcome.
        ``history`` adds the job's recent executions (the task tab)."""
        asked = [row for row in rows if row.execution_id is not None and (row.in_flight or not row.outcome)]
        by_conn: dict[str, list[Row]] = {}
        for row in asked:
            by_conn.setdefault(row.conn_id, []).append(row)
        found: dict[TaskKey, Live] = {}
        await asyncio.gather(
            *(self._connection(conn, conn_rows, found, history) for conn, conn_rows in by_conn.items())
        )
        return found

    async def _connection(self, conn_id: str, rows: list[Row], found: dict[TaskKey, Live], history: bool) -> None:
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        try:
            async with DatameerHook(datameer_conn_id=conn_id) as hook:
                try:
                    config = await hook.aconfig()
                except ValueError as exc:  # it exists, but is no usable Datameer connection
                    log.warning("Datameer connection %s is unusable: %s", conn_id, type(exc).__name__)
                    found.update({row.key: Live(UNREACHABLE) for row in rows})
                    return
                except Exception as exc:  # unknown, or Airflow resolves no connections in this process (3.1.0)
                    log.info("Datameer connection %s unavailable in the API server: %s", conn_id, type(exc).__name__)
                    found.update({row.key: Live(UNAVAILABLE) for row in rows})
                    return
                tasks = {row.key: asyncio.ensure_future(self._ask(conn_id, row, hook, config, history)) for row in rows}
                done, pending = await asyncio.wait(tasks.values(), timeout=self.budget)
                self._running.update(pending)
                for task in pending:
                    task.add_done_callback(self._running.discard)
                found.update({key: task.result() if task in done else Live(PENDING) for key, task in tasks.items()})
        except Exception as exc:  # the session lease itself: the page never fails for Datameer's sake
            log.warning("Datameer live status for %s failed: %s", conn_id, type(exc).__name__)
            found.update({row.key: Live(UNREACHABLE) for row in rows if row.key not in found})

    async def _ask(self, conn_id: str, row: Row, hook: Any, config: Any, history: bool) -> Live:
        def bounded(key: tuple[Any, ...], call: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
            async def request() -> Any:
                async with self._gate(conn_id):
                    if self._down_until.get(conn_id, 0.0) > time.monotonic():
                        raise _BreakerOpen
                    return await asyncio.wait_for(call(), config.timeout)

            return self._shared((conn_id, *key), request)

        try:
            live = await self._read(row, hook, config, bounded)
            return await self._with_history(live, row, hook, config, bounded) if history else live
        except _BreakerOpen:
            return Live(UNREACHABLE)
        except _CONNECTION_DOWN as exc:
            if self._down_until.get(conn_id, 0.0) <= time.monotonic():
                log.warning("Datameer connection %s unreachable: %s", conn_id, type(exc).__name__)
                self._down_until[conn_id] = time.monotonic() + self.ttl
            return Live(UNREACHABLE)
        except (DatameerError, ValueError) as exc:
            log.info("Datameer execution %s (%s): %s", row.execution_id, conn_id, type(exc).__name__)
            return Live(UNREACHABLE)

    async def _read(self, row: Row, hook: Any, config: Any, bounded: Any) -> Live:
        """The job's V2 status when it is about our execution (it has progress and an estimate), else job details."""
        if row.in_flight and row.job_id and config.api_version == 2:
            status = await bounded(("status", row.job_id), lambda: hook.aget_job_status(row.job_id))
            if status.execution_id == row.execution_id and status.status is not DatameerJobStatus.NONE:
                return from_status(status)
        return from_details(await self._details(row, hook, bounded))

    def _details(self, row: Row, hook: Any, bounded: Any) -> Awaitable[Any]:
        return bounded(("details", row.execution_id), lambda: hook.aget_job_details(row.execution_id))

    async def _with_history(self, live: Live, row: Row, hook: Any, config: Any, bounded: Any) -> Live:
        """The job's recent executions, from its configuration's history. The hook's history and active-jobs
        calls are sync: they run in a thread. The row is shown without them when they cannot be read."""
        try:
            configuration_id = await self._configuration_id(row, hook, config, bounded)
            if configuration_id is None:
                return live
            entries = await bounded(
                ("history", configuration_id), lambda: asyncio.to_thread(hook.get_job_history, configuration_id, 0, 10)
            )
        except (_BreakerOpen, *_CONNECTION_DOWN, DatameerError, ValueError) as exc:
            log.info("Datameer job history of execution %s: %s", row.execution_id, type(exc).__name__)
            return live
        return replace(live, history=[{"execution_id": e.execution_id, "status": e.status.value} for e in entries])

    async def _configuration_id(self, row: Row, hook: Any, config: Any, bounded: Any) -> int | None:
        """The V1 job id; else what the job details name; else, while the run is active, Datameer's active list."""
        if config.api_version == 1:
            return whole_number(row.job_id)
        found = (await self._details(row, hook, bounded)).configuration_id
        if found is None and row.in_flight:
            active = await bounded(("active",), lambda: asyncio.to_thread(hook.list_active_jobs))
            found = next((job.configuration_id for job in active if job.execution_id == row.execution_id), None)
        return found

    def _shared(self, key: tuple[Any, ...], request: Callable[[], Awaitable[Any]]) -> asyncio.Future[Any]:
        """The one answer for ``key``: cached while fresh and of this event loop, else asked now."""
        now, loop = time.monotonic(), asyncio.get_running_loop()
        cached = self._answers.get(key)
        if cached is not None and cached[0] > now and cached[1].get_loop() is loop:
            return cached[1]
        future = asyncio.ensure_future(request())
        self._answers[key] = (now + self.ttl, future)
        future.add_done_callback(lambda done: self._settle(key, done))
        return future

    def _settle(self, key: tuple[Any, ...], future: asyncio.Future[Any]) -> None:
        """Keep an ended execution's details longer; drop expired entries so the cache stays small."""
        if key[1] == "details" and _ended(future):
            self._answers[key] = (time.monotonic() + self.ended_ttl, future)
        now = time.monotonic()
        for stale in [k for k, (expires, f) in self._answers.items() if expires <= now and f.done()]:
            del self._answers[stale]

    def _gate(self, conn_id: str) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(conn_id)
        if gate is None or gate[0] is not loop:
            gate = (loop, asyncio.Semaphore(self.per_connection))
            self._gates[conn_id] = gate
        return gate[1]


def _ended(future: asyncio.Future[Any]) -> bool:
    """Whether a settled answer says its execution has ended (such an answer does not change any more)."""
    if future.cancelled() or future.exception() is not None:
        return False
    return getattr(getattr(future.result(), "status", None), "value", None) in _TERMINAL
