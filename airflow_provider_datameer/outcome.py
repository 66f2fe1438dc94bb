"""Turn a wait's :class:`~airflow_provider_datameer.waiting.Verdict` into the task's result or failure.

Shared by the sensor and the trigger operator, in poke, worker-wait and deferred modes alike, so the same
Datameer answer always gives the same task outcome and the same message.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowSensorTimeout, AirflowSkipException

from airflow_provider_datameer.errors import DatameerError
from airflow_provider_datameer.status import DatameerJobStatus
from airflow_provider_datameer.waiting import Verdict, iso


class DatameerJobFailed(AirflowException):
    """The Datameer execution ended badly, or could not be watched to its end."""

    summary: dict[str, Any] | None = None  # [lineage] set by conclude() when job details were read


class DatameerJobTimeout(AirflowSensorTimeout):
    """The wait for a Datameer execution exceeded the task's timeout."""


def summarize(verdict: Verdict, hook: Any, log: Any) -> dict[str, Any]:
    """A small JSON-safe summary of the execution, with job-details counters when Datameer has them."""
    summary: dict[str, Any] = {
        "job_id": verdict.job_id,
        "execution_id": verdict.execution_id,
        "status": verdict.job_status,
        "file_id": verdict.file_id,
        "start_time": verdict.start_time,
        "stop_time": verdict.stop_time,
    }
    if verdict.execution_id is None or hook is None:  # [lineage] no hook: what the verdict tells, no request
        return summary
    try:
        details = hook.get_job_details(verdict.execution_id)
    except (DatameerError, ValueError) as exc:
        log.warning("Could not read job details of execution %s: %s", verdict.execution_id, exc)
        return summary
    summary.update(
        start_time=summary["start_time"] or iso(details.start_time),
        stop_time=summary["stop_time"] or iso(details.stop_time),
        success_count=details.success_count,
        failure_count=details.failure_count,
        counters=dict(details.counters),
    )
    return summary


def conclude(verdict: Verdict, hook: Any, log: Any, *, soft_fail: bool = False) -> dict[str, Any]:
    """Return the summary of a successful execution; raise for anything else.

    ``timeout`` raises :class:`DatameerJobTimeout` (or skips with ``soft_fail``, which concerns timeouts
    only); ``error`` raises :class:`DatameerJobFailed` whose message names the job, execution, Datameer
    status, and for ``ERROR`` the failure count and counters from job details.
    """
    if verdict.status == "timeout":
        if soft_fail:
            raise AirflowSkipException(f"{verdict.message} (soft_fail: skipping)")
        raise DatameerJobTimeout(verdict.message)
    if verdict.status != "success":
        message = verdict.message
        details = None
        if verdict.job_status == DatameerJobStatus.ERROR.value:
            details = summarize(verdict, hook, log)
            message += _failure_details(details)
        failure = DatameerJobFailed(message)
        failure.summary = details  # [lineage] the failed run's counters, for datameer_result
        raise failure
    summary = summarize(verdict, hook, log)
    log.info(
        "Datameer job %s execution %s: %s (started %s, stopped %s%s)",
        verdict.job_id,
        verdict.execution_id,
        verdict.job_status,
        summary.get("start_time") or "?",
        summary.get("stop_time") or "?",
        _counts(summary),
    )
    return summary


def _failure_details(summary: dict[str, Any]) -> str:
    extra = _counts(summary)
    counters = summary.get("counters")
    if counters:
        extra += "; counters: " + ", ".join(f"{k}={v}" for k, v in sorted(counters.items()))
    return f" (job details{extra})" if extra else ""


def _counts(summary: dict[str, Any]) -> str:
    keys = ("success_count", "failure_count")
    return "".join(f", {key.replace('_', ' ')} {summary[key]}" for key in keys if summary.get(key) is not None)
