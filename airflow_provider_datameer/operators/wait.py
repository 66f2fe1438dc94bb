"""What the sensor and the operators share: publishing the run, waiting for it, stopping it.

:class:`DatameerWaitMixin` runs the wait procedure of :mod:`airflow_provider_datameer.core.procedures` in the
worker (poke mode, ``deferrable=False``) or defers it to
:class:`~airflow_provider_datameer.triggers.datameer.DatameerJobTrigger`, which runs the same procedure;
both routes end in :func:`airflow_provider_datameer.operators.outcome.conclude`, so the task's outcome never depends
on the route.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_datameer.core.wait_settings import DEFER_TIMEOUT_MARGIN, WaitSettings
from airflow_provider_datameer.links.datameer import EXECUTION_ID_KEY, JOB_URL_KEY

if TYPE_CHECKING:
    from airflow_provider_datameer.core.procedures import StopResult
    from airflow_provider_datameer.core.verdict import Verdict
    from airflow_provider_datameer.core.watch import ExecutionWatch
    from airflow_provider_datameer.hooks.datameer import DatameerHook

# The procedures, the outcome rules and the hook are imported where they are used, so that a DAG file
# importing the operators pays only for this module, the settings and the Airflow base classes.


def default_deferrable() -> bool:
    """``[operators] default_deferrable`` from the Airflow configuration."""
    from airflow.providers.common.compat.sdk import conf

    return conf.getboolean("operators", "default_deferrable", fallback=False)


class DatameerWaitMixin:
    """Mixed into BaseOperator/BaseSensorOperator subclasses; ``wait_settings`` is set in their constructor."""

    datameer_conn_id: str
    wait_settings: WaitSettings
    api_version: int | None
    log: Any
    datameer_run: dict[str, Any] | None = None  # read by the lineage facets; set by publish()
    datameer_result: dict[str, Any] | None = None  # read by the lineage facets; set by record_result()

    @cached_property
    def hook(self) -> DatameerHook:
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        return DatameerHook(datameer_conn_id=self.datameer_conn_id)

    def resolved_api_version(self) -> int:
        """The task's ``api_version``, else the connection extra's (also after a deferral, in a fresh
        operator object that never ran ``execute``)."""
        return self.api_version or self.hook.config.api_version

    def new_watch(self, settings: WaitSettings, *, until_terminal: bool = False) -> ExecutionWatch:
        from airflow_provider_datameer.core.watch import ExecutionWatch

        return ExecutionWatch(settings, until_terminal=until_terminal, log=self.log)

    def publish(self, context: Any, *, file_id: int | None, execution_id: int | None, user: str | None = None) -> str:
        """Push the execution id and the Datameer UI URL to XCom (before any wait), return the URL."""
        url = self.hook.job_url(file_id=file_id, execution_id=execution_id)
        # the run as soon as it is known (the lineage facets read it)
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

    def poll_once(self, watch: ExecutionWatch) -> Verdict | None:
        """One poll in the worker (poke mode); the verdict once the wait is over."""
        from airflow_provider_datameer.core.procedures import poll

        return self.hook.run(poll(watch, self.hook.config, self.log))

    def wait_in_worker(self, watch: ExecutionWatch) -> Verdict:
        """Poll until the execution ends or the settings' deadline passes (then a ``timeout`` verdict)."""
        from airflow_provider_datameer.core.procedures import wait

        return self.hook.run(wait(watch, self.hook.config, self.log))

    def defer_wait(self, settings: WaitSettings) -> None:
        """Hand the wait to the triggerer; resumes in ``execute_complete`` unless the settings end it there.

        The trigger is told when the task deferred, so that it holds a terminal event until the deferral has
        settled in Airflow (:mod:`airflow_provider_datameer.triggers.defer_hold`).
        """
        import time
        from dataclasses import replace

        from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
        from airflow_provider_datameer.triggers.defer_hold import settle_seconds

        remaining = None if settings.deadline is None else max(0.0, settings.deadline - time.time())
        settings = replace(settings, deferred_at=time.time(), settle_seconds=settle_seconds())
        self.defer(  # type: ignore[attr-defined]
            trigger=DatameerJobTrigger(**settings.to_kwargs()),
            method_name="execute_complete",
            timeout=None if remaining is None else timedelta(seconds=remaining + DEFER_TIMEOUT_MARGIN),
        )

    def finish(self, verdict: Verdict, *, soft_fail: bool = False) -> dict[str, Any]:
        from airflow_provider_datameer.operators.outcome import conclude

        try:
            summary = conclude(verdict, self.hook, self.log, soft_fail=soft_fail)
        except Exception as exc:
            self.record_result(verdict, getattr(exc, "summary", None))
            raise
        self.record_result(verdict, summary)
        return summary

    def record_result(self, verdict: Verdict, summary: dict[str, Any] | None) -> None:
        """Set ``datameer_result`` (read by the lineage facets): the summary, or what the verdict tells, plus
        the message and the job URL.

        Never raises: it runs on the way to the task's own outcome, which it must not change.
        """
        from airflow_provider_datameer.core.verdict import summarize

        url = (self.datameer_run or {}).get("job_url")
        if url is None:
            try:
                url = self.hook.job_url(file_id=verdict.file_id, execution_id=verdict.execution_id)
            except Exception as exc:  # the connection could not be read: the URL stays unknown
                self.log.warning("Datameer job URL unknown for lineage: %s", exc)
        base = summary if summary is not None else summarize(verdict, None)
        self.datameer_result = {**base, "message": verdict.message, "job_url": url}

    def finish_event(self, event: Any, *, soft_fail: bool = False) -> dict[str, Any]:
        """Validate a trigger event (``execute_complete``) and turn it into the task's outcome."""
        from airflow_provider_datameer.core.verdict import Verdict

        return self.finish(Verdict.from_event(event), soft_fail=soft_fail)

    def stop_run(self, settings: WaitSettings, *, by_id: bool = False) -> StopResult:
        """Stop the settings' execution if it is the job's and still active (see ``procedures.stop``)."""
        from airflow_provider_datameer.core.procedures import stop

        stopped_run = self.hook.run(stop(settings, self.hook.config, self.log, by_id=by_id))
        if stopped_run.stopped:
            self.log.info("Asked Datameer to stop job %s execution %s", settings.job_id, stopped_run.execution_id)
        return stopped_run

    def stop_execution(self, settings: WaitSettings) -> str:
        """Stop our run, best effort: never raises; returns what happened, for the log and messages."""
        try:
            stopped_run = self.stop_run(settings)
        except Exception as exc:  # best effort by contract: on_kill and timeouts must not raise here
            self.log.warning(
                "Could not stop Datameer job %s execution %s: %s", settings.job_id, settings.execution_id, exc
            )
            return f"stopping execution {settings.execution_id} failed: {exc}"
        return stopped_run.message
