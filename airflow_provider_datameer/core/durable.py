"""Durable runs: what a trigger task records of its Datameer run, and whether a later try may take that run.

On Airflow 3.3+ the operator writes one :class:`RunRecord` to the task state store as soon as Datameer names the
execution (triggered, queued or joined), before it publishes, waits or defers, and adds the outcome when the task
ends. A later try of the same task instance reads it first (:func:`resume_decision`): a retry takes the recorded
run (waits for it, or takes its result) instead of starting another; a user's Clear starts a new one.

A retry is told from a clear by ``max_tries``: Airflow leaves it alone between the tries of one task instance and
sets it to ``try_number + retries`` when a user clears the task (``clear_task_instances``), so it only ever grows,
and grows at every clear. Pure: the operator reads and writes the store and polls Datameer; this module decides.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from airflow_provider_datameer.core.values import whole_number

#: The task state store key (the UI's Storage tab shows it). Renaming it breaks the retries of tasks in flight.
RECORD_KEY = "datameer_run"
#: What the record's ``started_by`` says: the task's trigger started the run, or it joined an active one.
STARTED, JOINED, QUEUED = "triggered", "joined", "queued"


@dataclass(frozen=True)
class RunRecord:
    """One Datameer execution a task instance drives, with the try that recorded it and, once known, how it ended.

    ``max_tries`` is the task instance's ``max_tries`` when the run was recorded (see the module docstring).
    ``outcome`` is the summary the task saw at its end (Datameer status, counters), ``None`` until then.
    """

    job_id: str
    execution_id: int
    api_version: int
    file_id: int | None
    try_number: int
    max_tries: int
    started_by: str = STARTED
    outcome: dict[str, Any] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored under :data:`RECORD_KEY`."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: object) -> RunRecord | None:
        """The record a store holds; ``None`` for anything that is not one (a hand-edited or foreign value
        is never trusted: the try then starts as if nothing were recorded)."""
        if not isinstance(value, dict):
            return None
        numbers = {name: whole_number(value.get(name)) for name in ("execution_id", "api_version")}
        tries = {name: whole_number(value.get(name)) for name in ("try_number", "max_tries")}
        if None in numbers.values() or None in tries.values() or not isinstance(value.get("job_id"), str):
            return None
        outcome = value.get("outcome")
        return cls(
            job_id=value["job_id"],
            execution_id=numbers["execution_id"],  # type: ignore[arg-type]
            api_version=numbers["api_version"],  # type: ignore[arg-type]
            file_id=whole_number(value.get("file_id")),
            try_number=tries["try_number"],  # type: ignore[arg-type]
            max_tries=tries["max_tries"],  # type: ignore[arg-type]
            started_by=str(value.get("started_by") or STARTED),
            outcome=outcome if isinstance(outcome, dict) else None,
        )

    def ended(self, summary: dict[str, Any]) -> RunRecord:
        """The record with the task's view of how the run ended (the keys of a task summary)."""
        kept = {key: summary.get(key) for key in _OUTCOME_KEYS if summary.get(key) is not None}
        return replace(self, outcome=kept)


_OUTCOME_KEYS = ("status", "start_time", "stop_time", "success_count", "failure_count", "counters", "message")


@dataclass(frozen=True)
class ResumeDecision:
    """Whether a try takes the recorded execution (``execution_id``) or starts fresh, and the log line saying why."""

    execution_id: int | None
    reason: str

    @property
    def resumes(self) -> bool:
        return self.execution_id is not None


def resume_decision(
    record: RunRecord | None, *, job_id: object, api_version: int, try_number: int, max_tries: int
) -> ResumeDecision:
    """What this try does with the store's record, before anything is sent to Datameer.

    It takes the recorded execution only when this try is a retry of the try that recorded it (same
    ``max_tries``) for the same job and API generation. Whether that execution still counts (active, ended
    well, ended badly, unknown to Datameer) is Datameer's to say: the operator polls it next.
    """
    if record is None:
        return ResumeDecision(None, "")
    ours = f"execution {record.execution_id} (recorded by try {record.try_number})"
    if max_tries != record.max_tries:
        return ResumeDecision(None, f"The task was cleared since {ours} was recorded: starting a new run.")
    if record.job_id != str(job_id) or record.api_version != api_version:
        return ResumeDecision(
            None,
            f"The recorded {ours} is of job {record.job_id} (api_version {record.api_version}), not of job "
            f"{job_id} (api_version {api_version}): starting a new run.",
        )
    return ResumeDecision(
        record.execution_id, f"Try {try_number} takes {ours} instead of triggering Datameer job {job_id} again."
    )
