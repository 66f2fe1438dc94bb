"""The task side of a :class:`~airflow_provider_datameer.core.verdict.Judgement`: Airflow's exceptions.

Shared by the sensor and the trigger operator in poke and worker-wait modes and after a deferral; the
triggerer (``end_from_trigger``) maps the same judgement to task-ending events instead.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowSensorTimeout, AirflowSkipException

from airflow_provider_datameer.core.errors import DatameerError
from airflow_provider_datameer.core.models import JobDetails
from airflow_provider_datameer.core.verdict import Verdict, details_unreadable, judge, needs_details


class DatameerJobFailed(AirflowException):
    """The Datameer execution ended badly, or could not be watched to its end."""

    #: The failed run's summary (counters) when job details were read; the lineage result uses it.
    summary: dict[str, Any] | None = None


class DatameerJobTimeout(AirflowSensorTimeout):
    """The wait for a Datameer execution exceeded the task's timeout."""


def read_details(verdict: Verdict, hook: Any, log: Any) -> JobDetails | None:
    """The execution's job details when the outcome needs them, else (or when unreadable) ``None``."""
    if not needs_details(verdict):
        return None
    try:
        return hook.get_job_details(verdict.execution_id)
    except (DatameerError, ValueError) as exc:
        details_unreadable(verdict, exc, log)
        return None


def conclude(verdict: Verdict, hook: Any, log: Any, *, soft_fail: bool = False) -> dict[str, Any]:
    """Read the job details the outcome needs; return the summary of a success, raise for anything else:
    :class:`DatameerJobTimeout` (``AirflowSkipException`` with ``soft_fail``) or :class:`DatameerJobFailed`."""
    judgement = judge(verdict, read_details(verdict, hook, log), soft_fail=soft_fail)
    if judgement.kind == "skipped":
        raise AirflowSkipException(judgement.message)
    if judgement.kind == "timeout":
        raise DatameerJobTimeout(judgement.message)
    if judgement.kind == "failed":
        failure = DatameerJobFailed(judgement.message)
        failure.summary = judgement.summary  # the failed run's counters, for the lineage result (datameer_result)
        raise failure
    log.info("%s", judgement.message)
    assert judgement.summary is not None
    return judgement.summary
