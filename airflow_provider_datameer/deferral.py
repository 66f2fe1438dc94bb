"""What the sensor and the trigger operator share: publishing the run, waiting for it, stopping it.

:class:`DatameerWaitMixin` waits in the worker (poke mode / ``deferrable=False``) or defers to
:class:`~airflow_provider_datameer.triggers.datameer.DatameerJobTrigger`, and both routes end in
:func:`airflow_provider_datameer.outcome.conclude`, so the task's outcome never depends on the route.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_datameer.links.datameer import EXECUTION_ID_KEY, JOB_URL_KEY

if TYPE_CHECKING:
    from airflow_provider_datameer.hooks.datameer import DatameerHook
    from airflow_provider_datameer.waiting import ExecutionWatch, Verdict

# The waiting procedure, the outcome rules and the hook are imported where they are used, so that a DAG
# file importing the operators pays only for this module and the Airflow base classes (DAG-parse cost).

#: The defer timeout is a backstop a little behind the trigger's own deadline, whose event says more.
DEFER_TIMEOUT_MARGIN = 60.0


def default_deferrable() -> bool:
    """``[operators] default_deferrable`` from the Airflow configuration."""
    from airflow.providers.common.compat.sdk import conf

    return conf.getboolean("operators", "default_deferrable", fallback=False)


def as_seconds(value: float | timedelta | None) -> float | None:
    return value.total_seconds() if isinstance(value, timedelta) else value


class DatameerWaitMixin:
    """Mixed into BaseOperator/BaseSensorOperator subclasses that set the attributes used below."""

    datameer_conn_id: str
    fail_on_warnings: bool
    max_consecutive_errors: int
    no_execution_grace: float | None
    log: Any
    datameer_run: dict[str, Any] | None = None  # [lineage] set by publish()
    datameer_result: dict[str, Any] | None = None  # [lineage] set by record_result()

    @cached_property
    def hook(self) -> DatameerHook:
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        return DatameerHook(datameer_conn_id=self.datameer_conn_id)

    def new_watch(self, job_id: int | str, execution_id: int | None) -> ExecutionWatch:
        from airflow_provider_datameer.waiting import ExecutionWatch

        return ExecutionWatch(
            job_id,
            execution_id,
            fail_on_warnings=self.fail_on_warnings,
            no_execution_grace=self.no_execution_grace,
            max_consecutive_errors=self.max_consecutive_errors,
            log=self.log,
        )

    def publish(self, context: Any, *, file_id: int | None, execution_id: int | None, user: str | None = None) -> str:
        """Push the execution id and the Datameer UI URL to XCom (before any wait), return the URL."""
        url = self.hook.job_url(file_id=file_id, execution_id=execution_id)
        # [lineage] the run as soon as it is known (DatameerLineageMixin reads it)
        self.datameer_run = {
            "job_id": str(getattr(self, "job_id", "")),
            "execution_id": execution_id,
            "file_id": file_id,
            "job_url": url,
            "user": user,
        }
        ti = context["ti"]
        ti.xcom_push(key=EXECUTION_ID_KEY, value=execution_id)
        ti.xcom_push(key=JOB_URL_KEY, value=url)
        self.log.info("Datameer job run: %s", url)
        return url

    def wait_in_worker(self, watch: ExecutionWatch, *, poll_interval: float, timeout: float | None) -> Verdict:
        """Poll until the execution ends or ``timeout`` seconds pass (then a ``timeout`` verdict)."""
        from airflow_provider_datameer.waiting import poll_once

        deadline = None if timeout is None else time.time() + timeout
        while True:
            verdict = poll_once(self.hook, watch)
            if verdict is not None:
                return verdict
            if deadline is not None and time.time() >= deadline:
                return watch.timed_out(f"after {timeout:g} s")
            delay = watch.delay(poll_interval)
            time.sleep(delay if deadline is None else max(0.0, min(delay, deadline - time.time())))

    def defer_wait(
        self, watch: ExecutionWatch, *, poll_interval: float, timeout: float | None, stop_on_kill: bool
    ) -> None:
        """Hand the wait to the triggerer; resumes in ``execute_complete``."""
        from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger

        trigger = DatameerJobTrigger(
            job_id=watch.job_id,
            execution_id=watch.execution_id,
            datameer_conn_id=self.datameer_conn_id,
            poll_interval=poll_interval,
            deadline=None if timeout is None else time.time() + timeout,
            fail_on_warnings=self.fail_on_warnings,
            max_consecutive_errors=self.max_consecutive_errors,
            no_execution_grace=self.no_execution_grace,
            waiting_since=watch.waiting_since,
            stop_on_kill=stop_on_kill,
        )
        self.defer(  # type: ignore[attr-defined]
            trigger=trigger,
            method_name="execute_complete",
            timeout=None if timeout is None else timedelta(seconds=timeout + DEFER_TIMEOUT_MARGIN),
        )

    def finish(self, verdict: Verdict, *, soft_fail: bool = False) -> dict[str, Any]:
        from airflow_provider_datameer.outcome import conclude

        try:
            summary = conclude(verdict, self.hook, self.log, soft_fail=soft_fail)
        except Exception as exc:
            self.record_result(verdict, getattr(exc, "summary", None))  # [lineage]
            raise
        self.record_result(verdict, summary)  # [lineage]
        return summary

    def record_result(self, verdict: Verdict, summary: dict[str, Any] | None) -> None:
        """[lineage] ``datameer_result``: the summary (or what the verdict tells) plus the message and job URL.

        Never raises: it runs on the way to the task's own outcome, which it must not change.
        """
        from airflow_provider_datameer.outcome import summarize

        url = (self.datameer_run or {}).get("job_url")
        if url is None:
            try:
                url = self.hook.job_url(file_id=verdict.file_id, execution_id=verdict.execution_id)
            except Exception as exc:  # the connection could not be read: the URL stays unknown
                self.log.warning("Datameer job URL unknown for lineage: %s", exc)
        base = summary if summary is not None else summarize(verdict, None, self.log)
        self.datameer_result = {**base, "message": verdict.message, "job_url": url}

    def finish_event(self, event: Any, *, soft_fail: bool = False) -> dict[str, Any]:
        """Validate a trigger event (``execute_complete``) and turn it into the task's outcome."""
        from airflow_provider_datameer.waiting import Verdict

        return self.finish(Verdict.from_event(event), soft_fail=soft_fail)

    def stop_execution(self, job_id: int | str, execution_id: int | None) -> str:
        """Stop our run, best effort: never raises; returns what happened, for the log and messages."""
        from airflow_provider_datameer.waiting import stop_request

        try:
            latest = self.hook.get_job_status(job_id)
            request = stop_request(job_id, execution_id, latest)
            if request is None:
                return f"execution {execution_id} had already ended ({latest.status.value}); nothing to stop"
            name, argument = request
            getattr(self.hook, name)(argument)
        except Exception as exc:  # best effort by contract: on_kill and timeouts must not raise here
            self.log.warning("Could not stop Datameer job %s execution %s: %s", job_id, execution_id, exc)
            return f"stopping execution {execution_id} failed: {exc}"
        self.log.info("Asked Datameer to stop job %s execution %s", job_id, execution_id)
        return f"the Datameer job (execution {execution_id}) was stopped"
