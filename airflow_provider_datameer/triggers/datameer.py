"""DatameerJobTrigger: wait for one Datameer execution in the triggerer, without a worker slot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_datameer.settle import DEFAULT_SETTLE_SECONDS, hold_until_settled
from airflow_provider_datameer.waiting import ExecutionWatch, Verdict, apoll_once, stop_request
from airflow_provider_datameer.worker_free import deadline_from, end_event, in_triggerer, rendered_execution_id


class DatameerJobTrigger(BaseTrigger):
    """Poll V2 status until the execution ends, then fire exactly one event.

    The event is ``{"status": "success" | "error" | "timeout", "job_id", "execution_id", "job_status",
    "message", "file_id", "start_time", "stop_time"}``; the task decides what a timeout stops.

    :param job_id: file id, uuid or path of the job.
    :param execution_id: the execution to wait for; ``None`` waits for the first one seen.
    :param datameer_conn_id: connection id (read once per trigger, asynchronously).
    :param poll_interval: seconds between polls; shortened to the server's estimate of a running job's end.
    :param deadline: wall-clock epoch seconds at which a ``timeout`` event fires; ``None`` for no deadline.
    :param fail_on_warnings: ``COMPLETED_WITH_WARNINGS`` is an ``error`` event.
    :param max_consecutive_errors: failed polls in a row (each after the hook's retries) before ``error``.
    :param no_execution_grace: seconds a missing execution (``_NONE``) stays pending.
    :param waiting_since: epoch seconds the wait began (grace periods survive triggerer restarts).
    :param stop_on_kill: on Airflow 3.3+, stop the Datameer run when a user marks or clears the deferred task.
    :param min_poll_interval: the shortest wait between polls that adaptive polling may choose.
    :param deferred_at: epoch seconds the task deferred from a worker; the terminal event is held until
        ``settle_seconds`` after it (Airflow defer race, :mod:`airflow_provider_datameer.settle`).
    :param settle_seconds: see ``deferred_at``.
    :param timeout: seconds to wait when no ``deadline`` was set (a task started in the triggerer).
    :param end_from_trigger: end the task here (:mod:`airflow_provider_datameer.worker_free`) instead of
        firing the event back to a worker; ``soft_fail`` then skips it on timeout.
    """

    def __init__(
        self,
        *,
        job_id: int | str,
        execution_id: int | None = None,
        datameer_conn_id: str = "datameer_default",
        poll_interval: float = 30.0,
        deadline: float | None = None,
        fail_on_warnings: bool = False,
        max_consecutive_errors: int = 5,
        no_execution_grace: float | None = 120.0,
        waiting_since: float | None = None,
        stop_on_kill: bool = False,
        min_poll_interval: float = 1.0,
        # worker_free / settle wiring (see the modules of those names)
        deferred_at: float | None = None,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        timeout: float | None = None,
        end_from_trigger: bool = False,
        soft_fail: bool = False,
    ) -> None:
        super().__init__()
        self.job_id = job_id
        self.execution_id = execution_id
        self.datameer_conn_id = datameer_conn_id
        self.poll_interval = float(poll_interval)
        self.deadline = deadline
        self.fail_on_warnings = fail_on_warnings
        self.max_consecutive_errors = max_consecutive_errors
        self.no_execution_grace = no_execution_grace
        self.waiting_since = time.time() if waiting_since is None else waiting_since
        self.stop_on_kill = stop_on_kill
        self.min_poll_interval = float(min_poll_interval)
        self.deferred_at = deferred_at
        self.settle_seconds = float(settle_seconds)
        self.timeout = timeout
        self.end_from_trigger = end_from_trigger
        self.soft_fail = soft_fail
        self._watch: ExecutionWatch | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "execution_id": self.execution_id,
                "datameer_conn_id": self.datameer_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "fail_on_warnings": self.fail_on_warnings,
                "max_consecutive_errors": self.max_consecutive_errors,
                "no_execution_grace": self.no_execution_grace,
                "waiting_since": self.waiting_since,
                "stop_on_kill": self.stop_on_kill,
                "min_poll_interval": self.min_poll_interval,
                "deferred_at": self.deferred_at,
                "settle_seconds": self.settle_seconds,
                "timeout": self.timeout,
                "end_from_trigger": self.end_from_trigger,
                "soft_fail": self.soft_fail,
            },
        )

    def _hook(self) -> Any:
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        return DatameerHook(datameer_conn_id=self.datameer_conn_id)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_datameer.transport import session_lease

        async with session_lease():
            hook = self._hook()
            verdict = await self._wait(hook)
            # worker_free wiring: end the task here, or fire the verdict back to a worker
            ends_task = self.end_from_trigger and in_triggerer(self)
            event = await end_event(verdict, hook, self.log, soft_fail=self.soft_fail) if ends_task else None
        if in_triggerer(self):  # settle wiring
            await hold_until_settled(self.deferred_at, self.settle_seconds, self.log)
        yield event or TriggerEvent(verdict.to_event())

    async def _wait(self, hook: Any) -> Verdict:
        """Poll until the wait is over; return the verdict."""
        if self.deadline is None and self.timeout is not None:  # worker_free wiring: started by the scheduler
            self.deadline = deadline_from(getattr(self, "timeout_after", None), self.timeout, self.waiting_since)
        try:
            execution_id = rendered_execution_id(self.execution_id)  # worker_free wiring: rendered here
        except ValueError as exc:
            return Verdict("error", str(self.job_id), None, None, f"Cannot wait for Datameer job {self.job_id}: {exc}")
        watch = self._watch = ExecutionWatch(
            self.job_id,
            execution_id,
            fail_on_warnings=self.fail_on_warnings,
            no_execution_grace=self.no_execution_grace,
            max_consecutive_errors=self.max_consecutive_errors,
            waiting_since=self.waiting_since,
            log=self.log,
        )
        while True:
            if self.deadline is not None and time.time() >= self.deadline:
                return watch.timed_out(f"after {time.time() - self.waiting_since:.0f} s")
            verdict = await apoll_once(hook, watch)
            if verdict is not None:
                return verdict
            delay = watch.delay(self.poll_interval, floor=self.min_poll_interval)
            if self.deadline is not None:
                delay = min(delay, max(0.0, self.deadline - time.time()))
            await asyncio.sleep(delay)

    async def on_kill(self) -> None:
        """Airflow 3.3+: the user marked or cleared the deferred task; stop the run if the task asked to."""
        if not self.stop_on_kill:
            return
        from airflow_provider_datameer.transport import session_lease

        execution_id = self._watch.execution_id if self._watch else self.execution_id
        try:
            async with session_lease():
                await self._stop(execution_id)
        except Exception as exc:  # best effort: never let a failed stop break the triggerer
            self.log.warning("Could not stop Datameer job %s execution %s: %s", self.job_id, execution_id, exc)

    async def _stop(self, execution_id: int | None) -> None:
        hook = self._hook()
        latest = await hook.aget_job_status(self.job_id)
        request = stop_request(self.job_id, execution_id, latest)
        if request is None:
            self.log.info("Datameer job %s execution %s already ended; nothing to stop", self.job_id, execution_id)
            return
        name, argument = request
        await getattr(hook, f"a{name}")(argument)
        self.log.info("Stopped Datameer job %s execution %s (task killed by a user)", self.job_id, execution_id)
