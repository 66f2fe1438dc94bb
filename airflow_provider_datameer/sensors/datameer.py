"""DatameerJobSensor: wait for a Datameer job execution to end, in poke, reschedule or deferrable mode."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_datameer.deferral import DatameerWaitMixin, default_deferrable
from airflow_provider_datameer.identifiers import require_id
from airflow_provider_datameer.lineage import DatameerLineageMixin
from airflow_provider_datameer.links.datameer import DatameerJobLink

if TYPE_CHECKING:
    from airflow_provider_datameer.waiting import ExecutionWatch, Verdict


class DatameerJobSensor(DatameerLineageMixin, DatameerWaitMixin, BaseSensorOperator):
    """Succeed when a Datameer execution completes; fail when it errors or is canceled.

    :param job_id: file id, uuid or path of the job (templated).
    :param execution_id: the execution to wait for (templated; a rendered digit string is fine). ``None``
        waits for the job's current or latest execution, pinned at the first check.
    :param fail_on_warnings: treat ``COMPLETED_WITH_WARNINGS`` as a failure.
    :param datameer_conn_id: the Datameer connection.
    :param deferrable: wait in the triggerer instead of a worker slot (default ``[operators]
        default_deferrable``). The job is checked once in the worker first; no deferral if it already ended.
    :param max_consecutive_errors: failed polls in a row (after the hook's retries) before the task fails.
    :param no_execution_grace: seconds "no execution yet" is tolerated; ``None`` waits until the timeout.

    ``poke_interval``, ``timeout``, ``mode`` and ``soft_fail`` are BaseSensorOperator's. The ``timeout``
    also sets the trigger's deadline; ``soft_fail`` skips on timeout. Returns (XCom) a summary dict:
    execution id, status, start/stop times and job-details counters when Datameer has them.
    """

    template_fields: Sequence[str] = ("job_id", "execution_id", "datameer_conn_id")
    operator_extra_links = (DatameerJobLink(),)
    ui_color = "#d6e8f5"

    def __init__(
        self,
        *,
        job_id: int | str,
        execution_id: int | str | None = None,
        datameer_conn_id: str = "datameer_default",
        fail_on_warnings: bool = False,
        deferrable: bool | None = None,
        max_consecutive_errors: int = 5,
        no_execution_grace: float | None = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.execution_id = execution_id
        self.datameer_conn_id = datameer_conn_id
        self.fail_on_warnings = fail_on_warnings
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.max_consecutive_errors = max_consecutive_errors
        self.no_execution_grace = no_execution_grace
        self._watch: ExecutionWatch | None = None
        self._published: int | None = None

    def _watch_for(self, context: Any) -> ExecutionWatch:
        if self._watch is None:
            pinned = None if self.execution_id in (None, "", "None") else require_id(self.execution_id, "execution_id")
            self._watch = self.new_watch(self.job_id, pinned)
        return self._watch

    def _check(self, context: Any) -> Verdict | None:
        from airflow_provider_datameer.waiting import poll_once

        watch = self._watch_for(context)
        verdict = poll_once(self.hook, watch)
        if watch.execution_id is not None and watch.execution_id != self._published:
            file_id = watch.last_status.file_id if watch.last_status else None
            self.publish(context, file_id=file_id, execution_id=watch.execution_id)
            self._published = watch.execution_id
        return verdict

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        verdict = self._check(context)
        if verdict is not None:
            return self.finish(verdict, soft_fail=self.soft_fail)
        self.defer_wait(
            self._watch_for(context),
            poll_interval=self.poke_interval,
            timeout=self.timeout,
            stop_on_kill=False,
        )
        return None

    def poke(self, context: Any) -> bool | PokeReturnValue:
        verdict = self._check(context)
        if verdict is None:
            return False
        return PokeReturnValue(is_done=True, xcom_value=self.finish(verdict, soft_fail=self.soft_fail))

    def execute_complete(self, context: Any, event: Any = None) -> dict[str, Any]:
        """Resume after the trigger fired: validate the event and turn it into the task's outcome."""
        return self.finish_event(event, soft_fail=self.soft_fail)
