"""Operators that start and stop Datameer jobs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from airflow.providers.common.compat.sdk import AirflowException, BaseOperator

from airflow_provider_datameer.deferral import DatameerWaitMixin, as_seconds, default_deferrable
from airflow_provider_datameer.identifiers import require_id
from airflow_provider_datameer.lineage import DatameerLineageMixin
from airflow_provider_datameer.links.datameer import DatameerJobLink
from airflow_provider_datameer.status import PENDING_STATES, TERMINAL_STATES

if TYPE_CHECKING:
    from airflow_provider_datameer.waiting import Verdict

IfRunning = Literal["wait", "queue", "fail"]
_IF_RUNNING = ("wait", "queue", "fail")


class DatameerTriggerJobOperator(DatameerLineageMixin, DatameerWaitMixin, BaseOperator):
    """Start a Datameer job (V2 trigger) and, by default, wait for it to end.

    :param job_id: file id, uuid or path of the job (templated).
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
        trigger), or ``"fail"``.
    :param max_consecutive_errors: failed polls in a row (after the hook's retries) before the task fails.
    :param no_execution_grace: seconds a triggered run may stay invisible to the status call.

    Pushes ``job_execution_id`` and ``job_url`` to XCom as soon as the run is known, and returns the
    execution id. ``on_kill`` (and, deferred on Airflow 3.3+, the trigger's kill path) stops the run.
    """

    template_fields: Sequence[str] = ("job_id", "datameer_conn_id")
    operator_extra_links = (DatameerJobLink(),)
    ui_color = "#d6e8f5"

    def __init__(
        self,
        *,
        job_id: int | str,
        datameer_conn_id: str = "datameer_default",
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval: float = 30.0,
        timeout: float | timedelta | None = timedelta(days=7),
        fail_on_warnings: bool = False,
        if_running: IfRunning = "wait",
        max_consecutive_errors: int = 5,
        no_execution_grace: float | None = 120.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if if_running not in _IF_RUNNING:
            raise ValueError(f"if_running must be one of {', '.join(_IF_RUNNING)}, got {if_running!r}")
        self.job_id = job_id
        self.datameer_conn_id = datameer_conn_id
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = poll_interval
        self.timeout = as_seconds(timeout)
        self.fail_on_warnings = fail_on_warnings
        self.if_running = if_running
        self.max_consecutive_errors = max_consecutive_errors
        self.no_execution_grace = no_execution_grace
        self.execution_id: int | None = None
        self._trigger_user: str | None = None  # [lineage] who started the run, when we started it

    def execute(self, context: Any) -> int | None:
        latest = self.hook.get_job_status(self.job_id)
        self.execution_id = self._start_or_join(latest)
        self.publish(context, file_id=latest.file_id, execution_id=self.execution_id, user=self._trigger_user)
        if not self.wait_for_completion:
            return self.execution_id
        watch = self.new_watch(self.job_id, self.execution_id)
        if self.deferrable:
            budget = self._deferred_budget(context)
            self.defer_wait(watch, poll_interval=self.poll_interval, timeout=budget, stop_on_kill=True)
        return self._complete(self.wait_in_worker(watch, poll_interval=self.poll_interval, timeout=self.timeout))

    def _deferred_budget(self, context: Any) -> float | None:
        """``timeout``, shortened to end a little before ``execution_timeout`` when that comes first.

        Airflow ends a deferred wait at ``execution_timeout`` by dropping the trigger, which stops nothing;
        ending the wait ourselves first takes the timeout path, which stops the Datameer run.
        """
        if self.execution_timeout is None:
            return self.timeout
        limit = self.execution_timeout.total_seconds()
        started = getattr(context["ti"], "start_date", None)
        elapsed = (datetime.now(UTC) - started).total_seconds() if started else 0.0
        budget = max(1.0, limit - elapsed - min(30.0, limit / 10))
        return budget if self.timeout is None else min(self.timeout, budget)

    def _start_or_join(self, latest: Any) -> int | None:
        """Trigger a run, or join / queue behind / refuse the active one, as ``if_running`` says."""
        if latest.status in PENDING_STATES:
            active = (
                f"Datameer job {self.job_id} already has an active execution "
                f"{latest.execution_id} ({latest.status.value})"
            )
            if self.if_running == "fail":
                raise AirflowException(f"{active}; if_running='fail' refuses to start another run")
            if self.if_running == "wait":
                self.log.info("%s; waiting for it instead of starting another (if_running='wait')", active)
                return latest.execution_id
            self.log.info("%s; queueing a new run behind it (if_running='queue')", active)
            started = self.hook.trigger_job_sequential(self.job_id)
        else:
            started = self.hook.trigger_job(self.job_id)
        self._trigger_user = started.user  # [lineage]
        self.log.info(
            "Triggered Datameer job %s: execution %s (user %s)",
            self.job_id,
            started.execution_id,
            started.user,
        )
        return started.execution_id

    def execute_complete(self, context: Any, event: Any = None) -> int | None:
        """Resume after the trigger fired (deferrable mode)."""
        from airflow_provider_datameer.waiting import Verdict

        verdict = Verdict.from_event(event)
        self.execution_id = verdict.execution_id
        return self._complete(verdict)

    def _complete(self, verdict: Verdict) -> int | None:
        if verdict.status == "timeout":
            from airflow_provider_datameer.outcome import DatameerJobTimeout

            outcome = self.stop_execution(verdict.job_id, verdict.execution_id)
            self.record_result(verdict, None)  # [lineage]
            raise DatameerJobTimeout(f"{verdict.message}; {outcome}")
        self.finish(verdict)
        return verdict.execution_id

    def on_kill(self) -> None:
        """The task was killed in the worker: stop the run we started or joined (best effort)."""
        if self.execution_id is not None:
            self.stop_execution(self.job_id, self.execution_id)


class DatameerStopJobOperator(DatameerWaitMixin, BaseOperator):
    """Stop a Datameer job's current run (V2 stop), or one execution (V1 job-kill) when ``execution_id`` is set.

    :param job_id: file id, uuid or path of the job (templated).
    :param execution_id: stop exactly this execution (templated), e.g. from a trigger task's XCom.
    :param datameer_conn_id: the Datameer connection (templated).
    :param wait_for_termination: wait until Datameer reports the run ended (stopping is asynchronous).
    :param termination_timeout: seconds to wait for that; the task fails if the run is still active then.
    :param poll_interval: seconds between status checks while waiting.

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
        datameer_conn_id: str = "datameer_default",
        wait_for_termination: bool = True,
        termination_timeout: float = 300.0,
        poll_interval: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.execution_id = execution_id
        self.datameer_conn_id = datameer_conn_id
        self.wait_for_termination = wait_for_termination
        self.termination_timeout = termination_timeout
        self.poll_interval = poll_interval

    def execute(self, context: Any) -> dict[str, Any]:
        pinned = None if self.execution_id in (None, "", "None") else require_id(self.execution_id, "execution_id")
        current = self._status(pinned)
        execution_id = pinned if pinned is not None else current.execution_id
        self.publish(context, file_id=getattr(current, "file_id", None), execution_id=execution_id)
        if current.status not in PENDING_STATES:
            self.log.info(
                "Datameer job %s has nothing running (execution %s is %s); nothing to stop",
                self.job_id,
                execution_id,
                current.status.value,
            )
            return self._result(execution_id, current)
        if pinned is not None:
            self.hook.stop_job_v1(pinned)
        else:
            self.hook.stop_job(self.job_id)
        self.log.info("Asked Datameer to stop job %s execution %s", self.job_id, execution_id)
        if self.wait_for_termination:
            current = self._await_termination(pinned)
        return self._result(execution_id, current)

    def _status(self, pinned: int | None) -> Any:
        """The pinned execution's details, or the job's latest execution status."""
        return self.hook.get_job_details(pinned) if pinned is not None else self.hook.get_job_status(self.job_id)

    def _await_termination(self, pinned: int | None) -> Any:
        deadline = time.time() + self.termination_timeout
        while True:
            current = self._status(pinned)
            if current.status in TERMINAL_STATES:
                self.log.info("Datameer job %s is now %s", self.job_id, current.status.value)
                return current
            if time.time() >= deadline:
                raise AirflowException(
                    f"Datameer job {self.job_id} was asked to stop but is still {current.status.value} after "
                    f"{self.termination_timeout:g} s (termination_timeout)"
                )
            time.sleep(self.poll_interval)

    def _result(self, execution_id: int | None, current: Any) -> dict[str, Any]:
        return {"job_id": str(self.job_id), "execution_id": execution_id, "status": current.status.value}
