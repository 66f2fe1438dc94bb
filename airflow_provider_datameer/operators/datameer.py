"""Operators that start and stop Datameer jobs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from airflow.providers.common.compat.sdk import AirflowException, BaseOperator, TaskDeferred

from airflow_provider_datameer.core.identifiers import pinned_execution_id
from airflow_provider_datameer.core.status import TERMINAL_STATES
from airflow_provider_datameer.core.wait_settings import (
    DEFAULT_CONN_ID,
    DEFAULT_MAX_CONSECUTIVE_ERRORS,
    DEFAULT_NO_EXECUTION_GRACE,
    DEFAULT_POLL_INTERVAL,
    WaitSettings,
    check_api_version,
    check_seconds,
)
from airflow_provider_datameer.lineage.mixin import DatameerLineageMixin
from airflow_provider_datameer.links.datameer import DatameerJobLink
from airflow_provider_datameer.operators.wait import DatameerWaitMixin, default_deferrable

if TYPE_CHECKING:
    from airflow_provider_datameer.core.verdict import Verdict
    from airflow_provider_datameer.operators.run_record import RunRecordStore

IfRunning = Literal["wait", "queue", "fail"]
_IF_RUNNING = ("wait", "queue", "fail")


def _refuse_queue_on_v1(if_running: str, api_version: int | None, why: str) -> None:
    """``if_running='queue'`` starts a V2 sequential trigger, which the V1 API does not have."""
    if if_running == "queue" and api_version == 1:
        raise ValueError(f"if_running='queue' needs the V2 sequential trigger; {why}")


class DatameerTriggerJobOperator(DatameerLineageMixin, DatameerWaitMixin, BaseOperator):
    """Start a Datameer job and, by default, wait for it to end.

    :param job_id: file id, uuid or path of the job (templated); with ``api_version=1``, its configuration id.
    :param datameer_conn_id: the Datameer connection (templated).
    :param wait_for_completion: wait for the run to end; otherwise return once it started.
    :param deferrable: wait in the triggerer instead of a worker slot (default ``[operators]
        default_deferrable``).
    :param poll_interval: seconds between status polls (shortened near a running job's estimated end).
    :param timeout: wall-clock limit of the wait (seconds or timedelta; ``None`` for none). On timeout the
        Datameer run is stopped (best effort) and the task fails saying so.
    :param fail_on_warnings: treat ``COMPLETED_WITH_WARNINGS`` as a failure.
    :param if_running: when the job already has an active execution: ``"wait"`` for it instead of starting
        another (so a task retry never starts a duplicate), ``"queue"`` a new run behind it (sequential
        trigger, V2 only), or ``"fail"``.
    :param max_consecutive_errors: failed polls in a row (after the hook's retries) before the task fails.
    :param no_execution_grace: seconds a triggered run may stay invisible to the status call.
    :param api_version: 2 (``/api/``, Datameer 7.2.5+) or 1 (``/rest/`` only, job named by configuration id);
        ``None`` takes the connection extra ``api_version`` (default 2).
    :param durable: on Airflow 3.3+, record the run in the task state store as soon as Datameer names it, so
        that a retry of the task waits for that run or takes its result instead of starting another; a
        user's Clear still starts a new run (docs/durable-runs.md). ``False``: every try triggers (or joins an
        active run, as ``if_running`` says). No effect before Airflow 3.3.

    Pushes ``job_execution_id`` and ``job_url`` to XCom as soon as the run is known, and returns the
    execution id. Whenever the task ends without Datameer having reported the run's end (timeout, kill,
    a failure after the trigger, a wait that lost track of the run), the run is stopped, best effort, and
    the task's message says so.
    """

    template_fields: Sequence[str] = ("job_id", "datameer_conn_id")
    operator_extra_links = (DatameerJobLink(),)
    ui_color = "#d6e8f5"

    def __init__(
        self,
        *,
        job_id: int | str,
        datameer_conn_id: str = DEFAULT_CONN_ID,
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | timedelta | None = timedelta(days=7),
        fail_on_warnings: bool = False,
        if_running: IfRunning = "wait",
        max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
        no_execution_grace: float | None = DEFAULT_NO_EXECUTION_GRACE,
        api_version: int | None = None,
        durable: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if if_running not in _IF_RUNNING:
            raise ValueError(f"if_running must be one of {', '.join(_IF_RUNNING)}, got {if_running!r}")
        self.api_version = check_api_version(api_version)
        _refuse_queue_on_v1(if_running, self.api_version, "it is not available with api_version=1")
        self.job_id = job_id
        self.datameer_conn_id = datameer_conn_id
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.if_running = if_running
        self.durable = durable
        self.wait_settings = WaitSettings(
            job_id=job_id,
            datameer_conn_id=datameer_conn_id,
            poll_interval=poll_interval,
            timeout=check_seconds(timeout, "timeout", optional=True),
            fail_on_warnings=fail_on_warnings,
            max_consecutive_errors=max_consecutive_errors,
            no_execution_grace=no_execution_grace,
            stop_on_kill=True,
        )
        self.execution_id: int | None = None
        self._run: WaitSettings | None = None
        self._trigger_user: str | None = None  # who started the run, when we started it (lineage)
        self._records: RunRecordStore | None = None  # the task state store, when durable on Airflow 3.3+

    def execute(self, context: Any) -> int | None:
        from airflow_provider_datameer.core.endpoints import GENERATIONS
        from airflow_provider_datameer.operators.run_start import RunStart

        api_version = self.resolved_api_version()
        _refuse_queue_on_v1(self.if_running, api_version, "the connection sets api_version 1")
        GENERATIONS[api_version].check_job_id(self.job_id)
        settings = self.wait_settings.bind(self.job_id, None, owned=True, api_version=api_version)
        if self.deferrable and self.wait_for_completion:
            from airflow_provider_datameer.triggers.defer_hold import settle_seconds

            settle_seconds()  # a bad [datameer] defer_settle_seconds fails here, before a run is started
        self._records = self._record_store(context)
        run = RunStart(self, settings, self._records).run(context)
        execution_id, file_id, ended, self._trigger_user = run.execution_id, run.file_id, run.ended, run.user
        self.execution_id = execution_id
        self._run = settings = settings.with_execution(execution_id, owned=True)
        if ended is not None:  # a retry whose recorded run had already ended well: its result, no new run
            self.publish(context, file_id=file_id, execution_id=execution_id)
            return self._complete(ended) if self.wait_for_completion else execution_id
        try:
            self.publish(context, file_id=file_id, execution_id=execution_id, user=self._trigger_user)
            if not self.wait_for_completion:
                return execution_id
            if self.deferrable:
                self.defer_wait(
                    settings.bind(self.job_id, execution_id, owned=True, timeout=self._deferred_budget(context))
                )
            verdict = self.wait_in_worker(self.new_watch(settings))
        except TaskDeferred:
            raise
        except Exception as exc:
            raise AirflowException(f"{exc}; {self.stop_execution(settings)}") from exc
        return self._complete(verdict)

    def _record_store(self, context: Any) -> RunRecordStore | None:
        from airflow_provider_datameer.operators.run_record import RunRecordStore

        return RunRecordStore.of(context, self.log) if self.durable else None

    def _record_outcome(self) -> None:
        """Add how the run ended (the task's result) to its record, for the Storage tab and later tries."""
        record = self._records.read() if self._records is not None else None
        if self._records is None or record is None or self.datameer_result is None:
            return
        if record.execution_id == self.datameer_result.get("execution_id"):
            self._records.write(record.ended(self.datameer_result))

    def _deferred_budget(self, context: Any) -> float | None:
        """``timeout``, shortened to end a little before ``execution_timeout`` when that comes first.

        Airflow ends a deferred wait at ``execution_timeout`` by dropping the trigger, which stops nothing;
        ending the wait ourselves first takes the timeout path, which stops the Datameer run.
        """
        timeout = self.wait_settings.timeout
        if self.execution_timeout is None:
            return timeout
        limit = self.execution_timeout.total_seconds()
        started = getattr(context["ti"], "start_date", None)
        elapsed = (datetime.now(UTC) - started).total_seconds() if started else 0.0
        budget = max(1.0, limit - elapsed - min(30.0, limit / 10))
        return budget if timeout is None else min(timeout, budget)

    def execute_complete(self, context: Any, event: Any = None) -> int | None:
        """Resume after the trigger fired (deferrable mode)."""
        from airflow_provider_datameer.core.verdict import Verdict

        verdict = Verdict.from_event(event)
        self.execution_id = verdict.execution_id
        self._records = self._record_store(context)
        return self._complete(verdict)

    def _complete(self, verdict: Verdict) -> int | None:
        """The task's outcome, also written to the run's record. A timeout stops the run first. A wait that
        lost track of the run otherwise (error budget spent, credentials refused, Datameer forgot the execution)
        leaves it alone, because a stop could not be checked or could hit another job's run, and the message
        says how to stop it."""
        try:
            return self._outcome_of(verdict)
        finally:
            self._record_outcome()

    def _outcome_of(self, verdict: Verdict) -> int | None:
        from airflow_provider_datameer.core.verdict import WaitEnd
        from airflow_provider_datameer.operators.outcome import DatameerJobFailed, DatameerJobTimeout

        if verdict.status is WaitEnd.TIMEOUT:
            stopped = self.stop_execution(self._settings_of(verdict))
            self.record_result(verdict, None)
            raise DatameerJobTimeout(f"{verdict.message}; {stopped}")
        if (
            verdict.status is WaitEnd.ERROR
            and verdict.job_status not in TERMINAL_STATES
            and verdict.execution_id is not None
        ):
            self.record_result(verdict, None)
            raise DatameerJobFailed(
                f"{verdict.message}. The Datameer run (execution {verdict.execution_id}) was not stopped and may "
                f"still be running: stop it in Datameer or with DatameerStopJobOperator(job_id={self.job_id!r}, "
                f"execution_id={verdict.execution_id})"
            )
        self.finish(verdict)
        return verdict.execution_id

    def _settings_of(self, verdict: Verdict) -> WaitSettings:
        """The run a verdict is about (after a deferral, this process never saw the trigger)."""
        settings = self._run or self.wait_settings.bind(
            self.job_id, None, owned=True, api_version=self.resolved_api_version()
        )
        return settings.with_execution(verdict.execution_id, owned=True)

    def on_kill(self) -> None:
        """The task was killed in the worker: stop the run we started or joined (best effort)."""
        if self._run is not None and self._run.execution_id is not None:
            self.stop_execution(self._run)


class DatameerStopJobOperator(DatameerWaitMixin, BaseOperator):
    """Stop a Datameer job's current run, or one execution when ``execution_id`` is set.

    :param job_id: file id, uuid or path of the job (templated); with ``api_version=1``, its configuration id.
    :param execution_id: stop exactly this execution (templated), e.g. from a trigger task's XCom. It must
        be the job's: shown by its status or named in its details; otherwise the task fails without stopping.
    :param datameer_conn_id: the Datameer connection (templated).
    :param wait_for_termination: wait until Datameer reports the run ended (stopping is asynchronous).
    :param termination_timeout: seconds to wait for that; the task fails if the run is still active then.
    :param poll_interval: seconds between status checks while waiting.
    :param api_version: as for :class:`DatameerTriggerJobOperator`.

    A job with nothing running is a logged no-op, not a failure. Returns ``{"job_id", "execution_id",
    "status"}`` with the final (or current) Datameer status.
    """

    template_fields: Sequence[str] = ("job_id", "execution_id", "datameer_conn_id")
    operator_extra_links = (DatameerJobLink(),)
    ui_color = "#f5d6d6"

    def __init__(
        self,
        *,
        job_id: int | str,
        execution_id: int | str | None = None,
        datameer_conn_id: str = DEFAULT_CONN_ID,
        wait_for_termination: bool = True,
        termination_timeout: float = 300.0,
        poll_interval: float = 2.0,
        api_version: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.execution_id = execution_id
        self.datameer_conn_id = datameer_conn_id
        self.wait_for_termination = wait_for_termination
        self.api_version = check_api_version(api_version)
        self.wait_settings = WaitSettings(
            job_id=job_id,
            datameer_conn_id=datameer_conn_id,
            poll_interval=poll_interval,
            timeout=check_seconds(termination_timeout, "termination_timeout"),
            no_execution_grace=None,
        )

    def execute(self, context: Any) -> dict[str, Any]:
        pinned = pinned_execution_id(self.execution_id)
        settings = self.wait_settings.bind(self.job_id, pinned, owned=False, api_version=self.resolved_api_version())
        stopped_run = self.stop_run(settings, by_id=pinned is not None)
        if stopped_run.refused:
            raise AirflowException(stopped_run.message)
        self.publish(context, file_id=stopped_run.file_id, execution_id=stopped_run.execution_id)
        status = stopped_run.status.value if stopped_run.status else None
        self.log.info("Datameer job %s: %s", self.job_id, stopped_run.message)
        if stopped_run.stopped and self.wait_for_termination:
            status = self._await_termination(settings.with_execution(stopped_run.execution_id, owned=True))
        return {"job_id": str(self.job_id), "execution_id": stopped_run.execution_id, "status": status}

    def _await_termination(self, settings: WaitSettings) -> str | None:
        from airflow_provider_datameer.core.verdict import WaitEnd, status_name

        verdict = self.wait_in_worker(self.new_watch(settings, until_terminal=True))
        if verdict.status is WaitEnd.TIMEOUT:
            raise AirflowException(
                f"Datameer job {self.job_id} was asked to stop but is still {verdict.job_status or 'active'} after "
                f"{self.wait_settings.timeout:g} s (termination_timeout)"
            )
        if verdict.status is not WaitEnd.SUCCESS:
            raise AirflowException(verdict.message)
        self.log.info("Datameer job %s is now %s", self.job_id, verdict.job_status)
        return status_name(verdict.job_status)
