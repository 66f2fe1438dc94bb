"""DatameerJobTrigger: wait for one Datameer execution in the triggerer, without a worker slot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_datameer.core.wait_settings import WaitSettings

# The event-driven trigger (Asset watchers) lives in its own module; this is its public import path.
from airflow_provider_datameer.triggers.completions import DatameerJobCompletedTrigger

__all__ = ["DatameerJobCompletedTrigger", "DatameerJobTrigger"]

if TYPE_CHECKING:
    from airflow_provider_datameer.core.verdict import Verdict
    from airflow_provider_datameer.core.watch import ExecutionWatch
    from airflow_provider_datameer.hooks.datameer import DatameerHook


#: How long the kill path waits for Airflow to tell the task's state.
STATE_READ_SECONDS = 3.0


class DatameerJobTrigger(BaseTrigger):
    """Poll the job's status until the execution ends, then fire exactly one event.

    The keyword arguments are those of :class:`~airflow_provider_datameer.core.wait_settings.WaitSettings` (``job_id``,
    ``execution_id``, ``datameer_conn_id``, ``poll_interval``, ``deadline`` as epoch seconds, ``fail_on_warnings``,
    ``max_consecutive_errors``, ``no_execution_grace``, ``waiting_since``, ``stop_on_kill``, ``min_poll_interval``,
    ``execution_owned``, ``api_version``), validated here too, so that a hand-written or stale trigger row
    cannot busy-loop the triggerer.

    The event is ``{"status": "success" | "error" | "timeout", "job_id", "execution_id", "job_status",
    "message", "file_id", "start_time", "stop_time"}``; the task decides what a timeout stops. With
    ``stop_on_kill``, a user marking or clearing the deferred task (Airflow 3.3+) stops the Datameer run.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.settings = WaitSettings.from_kwargs(kwargs)
        self._watch: ExecutionWatch | None = None
        self._hook_instance: DatameerHook | None = None

    def _rendered(name: str) -> Any:  # type: ignore[misc]  # a class-body helper, deleted below
        """A wait setting as a trigger attribute that Airflow's triggerer can render in place: for a task
        started from the trigger it sets each templated field of the task that the trigger has."""

        def get(self: DatameerJobTrigger) -> Any:
            return getattr(self.settings, name)

        def set_(self: DatameerJobTrigger, value: Any) -> None:
            self.settings = replace(self.settings, **{name: value})

        return property(get, set_, doc=f"The wait's ``{name}`` (rendered by the triggerer when templated).")

    job_id = _rendered("job_id")
    execution_id = _rendered("execution_id")
    datameer_conn_id = _rendered("datameer_conn_id")
    del _rendered

    @property
    def deadline(self) -> float | None:
        return self.settings.deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", self.settings.to_kwargs()

    def _hook(self) -> DatameerHook:
        """The trigger's one hook: its connection, read once while waiting, also serves the kill path, which
        then needs nothing from Airflow but the task's state (Airflow may be slow to answer right then)."""
        if self._hook_instance is not None:
            return self._hook_instance
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        self._hook_instance = DatameerHook(datameer_conn_id=self.settings.datameer_conn_id)
        return self._hook_instance

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait, then fire the verdict back to a worker, or end the task here (``end_from_trigger``).

        In Airflow's triggerer a terminal event is held until the deferral has settled (Airflow's defer race,
        :mod:`~airflow_provider_datameer.triggers.defer_hold`); ``airflow dags test`` runs triggers
        in-process and needs neither.
        """
        from airflow_provider_datameer.hooks.transport import session_lease
        from airflow_provider_datameer.triggers.defer_hold import hold_until_settled
        from airflow_provider_datameer.triggers.worker_free import end_event, in_triggerer

        settings = self.settings
        async with session_lease():
            hook = self._hook()
            verdict = await self._wait(hook)
            ends_task = settings.end_from_trigger and in_triggerer(self)
            event = await end_event(verdict, hook, self.log, soft_fail=settings.soft_fail) if ends_task else None
        if in_triggerer(self):
            await hold_until_settled(settings.deferred_at, settings.settle_seconds, self.log)
        yield event or TriggerEvent(verdict.to_event())

    async def _wait(self, hook: DatameerHook) -> Verdict:
        """Run the wait procedure on the event loop; the verdict becomes the one event."""
        from airflow_provider_datameer.core.procedures import wait
        from airflow_provider_datameer.core.verdict import Verdict, WaitEnd
        from airflow_provider_datameer.core.watch import ExecutionWatch
        from airflow_provider_datameer.triggers.worker_free import started_by_scheduler

        try:
            self.settings = started_by_scheduler(self.settings, getattr(self, "timeout_after", None))
        except ValueError as exc:  # an execution id rendered in the triggerer that is not one
            job = str(self.settings.job_id)
            return Verdict(WaitEnd.ERROR, job, None, None, f"Cannot wait for Datameer job {job}: {exc}")
        self._watch = watch = ExecutionWatch(self.settings, log=self.log)
        try:
            config = await hook.aconfig()
        except ValueError as exc:  # a broken connection ends the wait with an error event, not a traceback
            return watch.error(f"Cannot check Datameer job {watch.job_id}: {exc}")
        return await hook.arun(wait(watch, config, self.log))

    async def on_kill(self) -> None:
        """Airflow 3.3+: the user marked or cleared the deferred task; stop the run if the task asked to.

        Airflow also cancels a trigger "by user action" when a triggerer that missed its heartbeat finds that
        its triggers were handed to another triggerer (apache/airflow#73454). That copy must not stop the run
        the other copy now waits for, so the run is stopped only when the task has left the deferred state.
        """
        if not self.settings.stop_on_kill or await self._still_deferred():
            return
        from airflow_provider_datameer.core.procedures import stop
        from airflow_provider_datameer.hooks.transport import session_lease

        watch = self._watch
        settings = (
            self.settings if watch is None else self.settings.with_execution(watch.execution_id, owned=watch.owned)
        )
        try:
            async with session_lease():
                hook = self._hook()
                outcome = await hook.arun(stop(settings, await hook.aconfig(), self.log))
        except Exception as exc:  # best effort: never let a failed stop break the triggerer
            self.log.warning(
                "Could not stop Datameer job %s execution %s: %s", settings.job_id, settings.execution_id, exc
            )
            return
        self.log.info("Datameer job %s (task killed by a user): %s", settings.job_id, outcome.message)

    async def _still_deferred(self) -> bool:
        """Whether the task is still deferred, i.e. this copy of the trigger was moved, not killed by a user.

        Without a task instance (a trigger run by hand) there is nothing to ask: the kill is taken as meant.
        The state is asked of Airflow with a time limit; when it cannot be had, the kill is taken as meant too
        (a user's kill is the common case, and the moved copy's task would at worst fail visibly).
        """
        ti = getattr(self, "task_instance", None)
        if ti is None or not hasattr(ti, "run_id"):
            return False
        try:
            from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
            from asgiref.sync import sync_to_async

            ask = sync_to_async(RuntimeTaskInstance.get_task_states)
            states = await asyncio.wait_for(
                ask(dag_id=ti.dag_id, task_ids=[ti.task_id], run_ids=[ti.run_id], map_index=ti.map_index),
                timeout=STATE_READ_SECONDS,
            )
        except Exception as exc:  # never let the check break the triggerer
            reason = f"no answer within {STATE_READ_SECONDS:g} s" if isinstance(exc, TimeoutError) else str(exc)
            reason = reason or type(exc).__name__  # an exception without a message
            self.log.warning("Could not read the task's state (%s); taking the kill as a user's", reason)
            return False
        key = ti.task_id if ti.map_index is None or ti.map_index < 0 else f"{ti.task_id}_{ti.map_index}"
        state = states.get(ti.run_id, {}).get(key)
        if getattr(state, "value", state) == "deferred":
            self.log.info(
                "Trigger cancelled while the task is still deferred (moved to another triggerer); "
                "the Datameer run is left to the trigger that now waits for it"
            )
            return True
        return False
