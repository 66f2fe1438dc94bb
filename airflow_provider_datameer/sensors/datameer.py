"""DatameerJobSensor: wait for a Datameer job execution to end, in poke, reschedule or deferrable mode."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_datameer.core.identifiers import pinned_execution_id
from airflow_provider_datameer.core.wait_settings import (
    DEFAULT_CONN_ID,
    DEFAULT_MAX_CONSECUTIVE_ERRORS,
    DEFAULT_NO_EXECUTION_GRACE,
    WaitSettings,
    check_api_version,
    check_interval,
)
from airflow_provider_datameer.lineage.mixin import DatameerLineageMixin
from airflow_provider_datameer.links.datameer import DatameerJobLink
from airflow_provider_datameer.operators.wait import DatameerWaitMixin, default_deferrable
from airflow_provider_datameer.triggers.worker_free import require_support, start_trigger_args

if TYPE_CHECKING:
    from airflow_provider_datameer.core.verdict import Verdict
    from airflow_provider_datameer.core.watch import ExecutionWatch


class DatameerJobSensor(DatameerLineageMixin, DatameerWaitMixin, BaseSensorOperator):
    """Succeed when a Datameer execution completes; fail when it errors or is canceled.

    :param job_id: file id, uuid or path of the job (templated); with ``api_version=1``, its configuration id.
    :param execution_id: the execution to wait for (templated; a rendered digit string is fine). ``None``
        waits for the job's current or latest execution, pinned at the first check. An execution the job's
        status never shows is checked for ownership (docs/failure-behaviour.md).
    :param fail_on_warnings: treat ``COMPLETED_WITH_WARNINGS`` as a failure.
    :param datameer_conn_id: the Datameer connection.
    :param deferrable: wait in the triggerer instead of a worker slot (default ``[operators]
        default_deferrable``). The job is checked once in the worker first; no deferral if it already ended.
    :param max_consecutive_errors: failed polls in a row (after the hook's retries) before the task fails.
    :param no_execution_grace: seconds "no execution yet" is tolerated; ``None`` waits until the timeout.
    :param api_version: 2 (``/api/``) or 1 (``/rest/``); ``None`` takes the connection extra ``api_version``.
    :param start_from_trigger: Airflow 3.3+: start in the triggerer, never in a worker (the scheduler creates
        the trigger; ``job_id``, ``execution_id`` and ``datameer_conn_id`` are rendered there).
    :param end_from_trigger: Airflow 3.3+: end the task in the triggerer (summary XCom, failure or skip)
        instead of resuming it in a worker. With ``start_from_trigger``, no worker runs the task at all.
        See docs/worker-free.md.

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
        datameer_conn_id: str = DEFAULT_CONN_ID,
        fail_on_warnings: bool = False,
        deferrable: bool | None = None,
        max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
        no_execution_grace: float | None = DEFAULT_NO_EXECUTION_GRACE,
        api_version: int | None = None,
        start_from_trigger: bool = False,
        end_from_trigger: bool = False,
        **kwargs: Any,
    ) -> None:
        if "poke_interval" in kwargs:  # before Airflow's own coercion, which overflows on huge numbers
            check_interval(kwargs["poke_interval"], "poke_interval")
        require_support(start_from_trigger=start_from_trigger, end_from_trigger=end_from_trigger, deferrable=deferrable)
        super().__init__(**kwargs)
        self.job_id = job_id
        self.execution_id = execution_id
        self.datameer_conn_id = datameer_conn_id
        worker_free = start_from_trigger or end_from_trigger
        self.deferrable = worker_free or (default_deferrable() if deferrable is None else deferrable)
        self.start_from_trigger = start_from_trigger
        self.end_from_trigger = end_from_trigger
        self.api_version = check_api_version(api_version)
        self.wait_settings = WaitSettings(
            job_id=job_id,
            datameer_conn_id=datameer_conn_id,
            poll_interval=check_interval(self.poke_interval, "poke_interval"),
            timeout=self.timeout,
            fail_on_warnings=fail_on_warnings,
            max_consecutive_errors=max_consecutive_errors,
            no_execution_grace=no_execution_grace,
            api_version=api_version or 2,
            end_from_trigger=end_from_trigger,
            soft_fail=self.soft_fail,
        )
        self._watch: ExecutionWatch | None = None
        self._published: int | None = None
        if start_from_trigger:  # the scheduler creates the trigger from these; no worker runs the task
            self.start_trigger_args = start_trigger_args(self)

    def _watch_for(self, context: Any) -> ExecutionWatch:
        if self._watch is None:
            pinned = pinned_execution_id(self.execution_id)
            settings = self.wait_settings.bind(
                self.job_id, pinned, owned=False, api_version=self.resolved_api_version()
            )
            self._watch = self.new_watch(settings)
        return self._watch

    def _check(self, context: Any) -> Verdict | None:
        watch = self._watch_for(context)
        verdict = self.poll_once(watch)
        if watch.execution_id is not None and watch.execution_id != self._published:
            self.publish(context, file_id=watch.file_id, execution_id=watch.execution_id)
            self._published = watch.execution_id
        return verdict

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        verdict = self._check(context)
        if verdict is not None:
            return self.finish(verdict, soft_fail=self.soft_fail)
        watch = self._watch_for(context)
        self.defer_wait(watch.settings.with_execution(watch.execution_id, owned=watch.owned))
        return None

    def poke(self, context: Any) -> bool | PokeReturnValue:
        verdict = self._check(context)
        if verdict is None:
            return False
        return PokeReturnValue(is_done=True, xcom_value=self.finish(verdict, soft_fail=self.soft_fail))

    def execute_complete(self, context: Any, event: Any = None) -> dict[str, Any]:
        """Resume after the trigger fired: validate the event and turn it into the task's outcome."""
        return self.finish_event(event, soft_fail=self.soft_fail)
