"""The task state store of one task instance, as the trigger operator keeps its :class:`RunRecord` there.

Airflow 3.3+ puts ``task_state_store`` in the task's context (AIP-103); older versions do not, and then there is
nothing to read or write (no warning: durability is a 3.3 feature, docs/failure-behaviour.md). A store that
fails to answer is logged and taken as empty: the task goes on as it would without durability rather than fail
a run that Datameer is already doing.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_datameer.core.durable import RECORD_KEY, RunRecord


class RunRecordStore:
    """Reads and writes the one record of a task instance (key :data:`RECORD_KEY`)."""

    def __init__(self, accessor: Any, log: Any) -> None:
        self._accessor = accessor
        self._log = log

    @classmethod
    def of(cls, context: Any, log: Any) -> RunRecordStore | None:
        """The store of the running task instance, or ``None`` where Airflow has none (before 3.3)."""
        accessor = context.get("task_state_store") if hasattr(context, "get") else None
        return None if accessor is None else cls(accessor, log)

    def read(self) -> RunRecord | None:
        try:
            value = self._accessor.get(RECORD_KEY)
        except Exception as exc:  # the store is Airflow's: any failure of it must not fail the task
            self._log.warning("Could not read the task state store (%s); going on as if nothing were recorded", exc)
            return None
        record = RunRecord.from_json(value)
        if value is not None and record is None:
            self._log.warning("The task state store's %r is not a Datameer run record; ignoring it", RECORD_KEY)
        return record

    def write(self, record: RunRecord) -> None:
        try:
            self._accessor.set(RECORD_KEY, record.to_json())
        except Exception as exc:  # as in read(): the run goes on; only a later retry loses its record
            self._log.warning(
                "Could not record Datameer execution %s in the task state store (%s): a retry of this task "
                "would not find it",
                record.execution_id,
                exc,
            )
