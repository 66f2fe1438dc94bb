"""Turn a wait's :class:`~airflow_provider_datameer.core.watch.Verdict` into the task's result or failure.

Shared by the sensor and the trigger operator, in poke, worker-wait and deferred modes alike, so the same
Datameer answer always gives the same task outcome and the same message.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowSensorTimeout, AirflowSkipException

from airflow_provider_datameer.core.errors import DatameerError
from airflow_provider_datameer.core.models import JobDetails
from airflow_provider_datameer.core.status import DatameerJobStatus
from airflow_provider_datameer.core.verdict import Verdict, iso


class DatameerJobFailed(AirflowException):
    """The Datameer execution ended badly, or could not be watched to its end."""

    #: The failed run's summary (counters) when job details were read; the lineage result uses it.
    summary: dict[str, Any] | None = None


class DatameerJobTimeout(AirflowSensorTimeout):
    """The wait for a Datameer execution exceeded the task's timeout."""


def needs_details(verdict: Verdict) -> bool:
    """Job details are read for a success (the summary's counters) and for ``ERROR`` (the failure message)."""
    return verdict.execution_id is not None and (
        verdict.status == "success" or verdict.job_status == DatameerJobStatus.ERROR.value
    )


def details_unreadable(verdict: Verdict, exc: Exception, log: Any) -> None:
    """Job details are extra information: failing to read them is a warning, never the task's outcome."""
    log.warning("Could not read job details of execution %s: %s", verdict.execution_id, exc)


def read_details(verdict: Verdict, hook: Any, log: Any) -> JobDetails | None:
    """The execution's job details when :func:`needs_details`, else (or when unreadable) ``None``."""
    if not needs_details(verdict):
        return None
    try:
        return hook.get_job_details(verdict.execution_id)
    except (DatameerError, ValueError) as exc:
        details_unreadable(verdict, exc, log)
        return None


def summarize(verdict: Verdict, details: JobDetails | None) -> dict[str, Any]:
    """A small JSON-safe summary of the execution, with job-details counters when Datameer has them."""
    summary: dict[str, Any] = {
        "job_id": verdict.job_id,
        "execution_id": verdict.execution_id,
        "status": verdict.job_status,
        "file_id": verdict.file_id,
        "start_time": verdict.start_time,
        "stop_time": verdict.stop_time,
    }
    if details is None:
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
    """Read the job details the outcome needs, then :func:`decide` it."""
    return decide(verdict, read_details(verdict, hook, log), log, soft_fail=soft_fail)


def decide(verdict: Verdict, details: JobDetails | None, log: Any, *, soft_fail: bool = False) -> dict[str, Any]:
    """Return the summary of a successful execution; raise for anything else.

    ``timeout`` raises :class:`DatameerJobTimeout` (or skips with ``soft_fail``, which concerns timeouts
    only); ``error`` raises :class:`DatameerJobFailed` whose message names the job, execution, Datameer
    status, and for ``ERROR`` the failure count and counters from job details. No I/O: the worker
    (:func:`conclude`) and the triggerer (:mod:`airflow_provider_datameer.triggers.worker_free`) read the details.
    """
    if verdict.status == "timeout":
        if soft_fail:
            raise AirflowSkipException(f"{verdict.message} (soft_fail: skipping)")
        raise DatameerJobTimeout(verdict.message)
    if verdict.status != "success":
        message = verdict.message
        failed = None
        if verdict.job_status == DatameerJobStatus.ERROR.value:
            failed = summarize(verdict, details)
            message += _failure_details(failed)
        failure = DatameerJobFailed(message)
        failure.summary = failed  # the failed run's counters, for the lineage result (datameer_result)
        raise failure
    summary = summarize(verdict, details)
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
