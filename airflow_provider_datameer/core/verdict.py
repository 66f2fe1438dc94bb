"""How a wait ended (:class:`Verdict`), and what that means for the task (:func:`judge`), without Airflow.

Poke mode, the worker wait and the trigger event all carry a :class:`Verdict`; the worker
(``operators/outcome.py``) and the triggerer (``triggers/worker_free.py``) turn the same :class:`Judgement`
into an exception or a task-ending event, so a task's outcome, message and summary never depend on where it
ended.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_datameer.core.status import DatameerJobStatus

if TYPE_CHECKING:
    from airflow_provider_datameer.core.models import JobDetails


class WaitEnd(str, Enum):  # noqa: UP042 (members compare and serialise as their plain text)
    """How a wait ended; the values are the ``status`` of the trigger event."""

    SUCCESS = "success"
    ERROR = "error"
    TIMEOUT = "timeout"


_ENDS = tuple(end.value for end in WaitEnd)


@dataclass(frozen=True)
class Verdict:
    """How a wait ended: ``status`` (a :class:`WaitEnd`), and the Datameer status of the execution, if seen."""

    status: WaitEnd
    job_id: str
    execution_id: int | None
    job_status: DatameerJobStatus | None
    message: str
    file_id: int | None = None
    start_time: str | None = None
    stop_time: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", WaitEnd(self.status))
        if self.job_status is not None:
            object.__setattr__(self, "job_status", DatameerJobStatus.from_raw(self.job_status))

    def to_event(self) -> dict[str, Any]:
        """JSON-safe payload for a ``TriggerEvent`` (plain strings, no enums)."""
        return {**asdict(self), "status": self.status.value, "job_status": status_name(self.job_status)}

    @classmethod
    def from_event(cls, event: object) -> Verdict:
        """Validate a trigger event; a malformed one becomes an ``error`` verdict that says so."""
        if not isinstance(event, dict) or event.get("status") not in _ENDS:
            return cls(WaitEnd.ERROR, "?", None, None, f"Datameer trigger sent a malformed event: {event!r}"[:500])
        fields = {name: event.get(name) for name in cls.__dataclass_fields__}
        fields.update(job_id=str(fields["job_id"]), message=str(fields["message"] or ""))
        return cls(**fields)  # type: ignore[arg-type]


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def status_name(status: DatameerJobStatus | None) -> str | None:
    """A status as the plain text that XCom, events and messages carry."""
    return None if status is None else status.value


def needs_details(verdict: Verdict) -> bool:
    """Job details are read for a success (the summary's counters) and for ``ERROR`` (the failure message)."""
    return verdict.execution_id is not None and (
        verdict.status is WaitEnd.SUCCESS or verdict.job_status is DatameerJobStatus.ERROR
    )


def summarize(verdict: Verdict, details: JobDetails | None) -> dict[str, Any]:
    """A small JSON-safe summary of the execution, with job-details counters when Datameer has them."""
    summary: dict[str, Any] = {
        "job_id": verdict.job_id,
        "execution_id": verdict.execution_id,
        "status": status_name(verdict.job_status),
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


def details_unreadable(verdict: Verdict, exc: Exception, log: Any) -> None:
    """Job details are extra information: failing to read them is a warning, never the task's outcome."""
    log.warning("Could not read job details of execution %s: %s", verdict.execution_id, exc)


@dataclass(frozen=True)
class Judgement:
    """What a verdict means for the task: ``success`` (with the summary for XCom), ``skipped`` (a timeout under
    ``soft_fail``), ``timeout`` or ``failed`` (with the failed run's summary when job details said why)."""

    kind: Literal["success", "skipped", "timeout", "failed"]
    message: str
    summary: dict[str, Any] | None = None


def judge(verdict: Verdict, details: JobDetails | None, *, soft_fail: bool = False) -> Judgement:
    """The task's outcome for a verdict and the execution's job details (read by the caller, if needed).

    ``soft_fail`` concerns timeouts only. A failure's message names the job, execution and Datameer status,
    and for ``ERROR`` the counts and counters from job details. A success's message is the log line.
    """
    if verdict.status is WaitEnd.TIMEOUT:
        if soft_fail:
            return Judgement("skipped", f"{verdict.message} (soft_fail: skipping)")
        return Judgement("timeout", verdict.message)
    if verdict.status is not WaitEnd.SUCCESS:
        if verdict.job_status is not DatameerJobStatus.ERROR:
            return Judgement("failed", verdict.message)
        failed = summarize(verdict, details)
        return Judgement("failed", verdict.message + _failure_details(failed), failed)
    summary = summarize(verdict, details)
    message = (
        f"Datameer job {verdict.job_id} execution {verdict.execution_id}: {summary['status']} (started "
        f"{summary.get('start_time') or '?'}, stopped {summary.get('stop_time') or '?'}{_counts(summary)})"
    )
    return Judgement("success", message, summary)


def _failure_details(summary: dict[str, Any]) -> str:
    extra = _counts(summary)
    counters = summary.get("counters")
    if counters:
        extra += "; counters: " + ", ".join(f"{k}={v}" for k, v in sorted(counters.items()))
    return f" (job details{extra})" if extra else ""


def _counts(summary: dict[str, Any]) -> str:
    keys = ("success_count", "failure_count")
    return "".join(f", {key.replace('_', ' ')} {summary[key]}" for key in keys if summary.get(key) is not None)
