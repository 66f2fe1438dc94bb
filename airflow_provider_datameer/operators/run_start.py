"""How one try of DatameerTriggerJobOperator comes by its Datameer run: the run an earlier try recorded (durable
runs), the active run it joins or queues behind (``if_running``), or a run it triggers, V2 or V1.

Loaded when a task runs, not when a DAG file is parsed (benchmark P4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_datameer.core.durable import JOINED, QUEUED, STARTED, RunRecord, resume_decision
from airflow_provider_datameer.core.endpoints import GENERATIONS
from airflow_provider_datameer.core.errors import DatameerTransientError, DatameerUnexpectedResponseError
from airflow_provider_datameer.core.models import TriggerResult
from airflow_provider_datameer.core.procedures import call, find_new_run
from airflow_provider_datameer.core.status import PENDING_STATES
from airflow_provider_datameer.core.verdict import WaitEnd
from airflow_provider_datameer.core.wait_settings import DEFAULT_NO_EXECUTION_GRACE, WaitSettings

if TYPE_CHECKING:
    from airflow_provider_datameer.core.verdict import Verdict
    from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
    from airflow_provider_datameer.operators.run_record import RunRecordStore


@dataclass
class TryRun:
    """The run a try waits for: ``ended`` is set when a recorded run had already ended well (its result is
    the try's, no new run); ``user`` is who started it when this try triggered it (lineage)."""

    execution_id: int | None
    file_id: int | None
    ended: Verdict | None = None
    user: str | None = None


class RunStart:
    """One try's way to its run; ``records`` is the task state store when runs are durable (Airflow 3.3+)."""

    def __init__(
        self, operator: DatameerTriggerJobOperator, settings: WaitSettings, records: RunRecordStore | None
    ) -> None:
        self.operator = operator
        self.settings = settings
        self.records = records
        self.hook = operator.hook
        self.log = operator.log
        self.job_id = operator.job_id
        self._started_by = STARTED

    def run(self, context: Any) -> TryRun:
        """The recorded run when this try may take it (docs/durable-runs.md), else a joined or triggered run,
        recorded before anything else happens to it."""
        recorded = self._recorded(context)
        if recorded is not None:
            return recorded
        latest = self._latest()
        started = self._start_or_join(latest)
        file_id = latest.file_id or GENERATIONS[self.settings.api_version].file_id_of(self.job_id)
        self._record(context, started.execution_id, file_id)
        return replace(started, file_id=file_id)

    # ------------------------------------------------------------------------------------------ durable runs
    def _recorded(self, context: Any) -> TryRun | None:
        """The run an earlier try of this task instance recorded: ``None`` when there is none, the task was
        cleared, or the run ended badly or is gone."""
        if self.records is None:
            return None
        record = self.records.read()
        ti = context["ti"]
        decision = resume_decision(
            record,
            job_id=self.job_id,
            api_version=self.settings.api_version,
            try_number=ti.try_number,
            max_tries=ti.max_tries,
        )
        if decision.reason:
            self.log.info("%s", decision.reason)
        if record is None or decision.execution_id is None:
            return None
        watch = self.operator.new_watch(self.settings.with_execution(decision.execution_id, owned=True))
        verdict = self.operator.poll_once(watch)
        if verdict is None:
            self.log.info("Datameer execution %s is still active: waiting for it.", decision.execution_id)
            return TryRun(decision.execution_id, record.file_id)
        if verdict.status is WaitEnd.SUCCESS:
            self.log.info(
                "Datameer execution %s has ended (%s): taking its result.", decision.execution_id, verdict.job_status
            )
            return TryRun(decision.execution_id, record.file_id or verdict.file_id, ended=verdict)
        self.log.info("Not taking execution %s: %s. Starting a new run.", decision.execution_id, verdict.message)
        return None

    def _record(self, context: Any, execution_id: int | None, file_id: int | None) -> None:
        """Write the run to the task state store before anything else happens to it."""
        if self.records is None or execution_id is None:
            return
        ti = context["ti"]
        self.records.write(
            RunRecord(
                job_id=str(self.job_id),
                execution_id=execution_id,
                api_version=self.settings.api_version,
                file_id=file_id,
                try_number=ti.try_number,
                max_tries=ti.max_tries,
                started_by=self._started_by,
            )
        )

    # ------------------------------------------------------------------------------------------ starting a run
    def _latest(self) -> Any:
        request = GENERATIONS[self.settings.api_version].status_request(self.hook.config.endpoints, self.job_id)
        return self.hook.run(call(self.hook.config, request, self.log))

    def _start_or_join(self, latest: Any) -> TryRun:
        """Trigger a run, or join / queue behind / refuse the active one, as ``if_running`` says."""
        if_running = self.operator.if_running
        if latest.status in PENDING_STATES:
            active = (
                f"Datameer job {self.job_id} already has an active execution "
                f"{latest.execution_id} ({latest.status.value})"
            )
            if if_running == "fail":
                raise AirflowException(f"{active}; if_running='fail' refuses to start another run")
            if if_running == "wait":
                self.log.info("%s; waiting for it instead of starting another (if_running='wait')", active)
                self._started_by = JOINED
                return TryRun(latest.execution_id, None)
            self.log.info("%s; queueing a new run behind it (if_running='queue')", active)
            self._started_by = QUEUED
            started = self._trigger(self.hook.trigger_job_sequential, latest)
        elif self.settings.api_version == 1:
            return TryRun(self._start_v1(latest), None)
        else:
            started = self._trigger(self.hook.trigger_job, latest)
        self.log.info(
            "Triggered Datameer job %s: execution %s (user %s)", self.job_id, started.execution_id, started.user
        )
        return TryRun(started.execution_id, None, user=started.user)

    def _trigger(self, trigger: Any, latest: Any) -> Any:
        """``trigger(job_id)``'s answer. When the request failed after Datameer may have received it (a timeout,
        a connection broken mid-request: it is never re-sent), the run it may have started is looked for first,
        so that no retry of the task starts a second one while the first runs unwatched: the first execution
        newer than ``latest`` within ``no_execution_grace``; none, and the trigger's error stands, saying so."""
        try:
            return trigger(self.job_id)
        except DatameerTransientError as exc:
            if not exc.may_have_reached_server:
                raise
            grace = self.settings.no_execution_grace
            if grace is None and self.settings.deadline is None:
                grace = DEFAULT_NO_EXECUTION_GRACE
            self.log.warning("%s Looking for the run it may have started (up to %s).", exc, seconds_text(grace))
            waiting = replace(self.settings, no_execution_grace=grace)
            try:
                found = self.hook.run(find_new_run(waiting, self.hook.config, latest.execution_id, self.log))
            except DatameerUnexpectedResponseError:
                exc.problem += f"; no run of it appeared within {seconds_text(grace)}"
                raise exc from None
            self.log.info("The trigger's run is execution %s: taking it instead of triggering again", found)
            return TriggerResult(execution_id=found)

    def _start_v1(self, latest: Any) -> int:
        """V1: trigger by configuration id. The run is the one the trigger's answer names (``{"id": N}``) when it
        names one, even if Datameer's scheduler started another meanwhile; an answer without an id (its shape is
        not documented) leaves the new run to be found as the configuration's status moves on."""
        named = self._trigger(self.hook.trigger_job_v1, latest).execution_id
        execution_id = named
        if execution_id is None:
            execution_id = self.hook.run(find_new_run(self.settings, self.hook.config, latest.execution_id, self.log))
        how = "named by the trigger's answer" if named is not None else "the configuration's next run"
        self.log.info("Triggered Datameer configuration %s (V1): execution %s (%s)", self.job_id, execution_id, how)
        return execution_id


def seconds_text(grace: float | None) -> str:
    """How long the search for a run lasts: ``grace`` seconds, or (``None``) up to the task's timeout."""
    return "the task's timeout" if grace is None else f"{grace:g} s"
