"""The recorded facts of Datameer tasks, read from Airflow's database into plain :class:`Row` objects.

One query for the task instances, then one per source of facts, each for all rows at once: the operators'
XComs (``job_execution_id``, ``job_url``, ``return_value``), the rendered template fields (``job_id``,
``datameer_conn_id``, a sensor's ``execution_id``) and, on Airflow 3.3+, the task state store's
``datameer_run`` record (its ``outcome``). Nothing here talks to Datameer; :mod:`.live` adds its view.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_datameer.core.durable import RECORD_KEY, RunRecord
from airflow_provider_datameer.core.values import whole_number
from airflow_provider_datameer.links.datameer import EXECUTION_ID_KEY, JOB_URL_KEY

#: The task types (``task_instance.operator`` / ``custom_operator_name``) whose task instances are listed.
OPERATORS = ("DatameerTriggerJobOperator", "DatameerJobSensor", "DatameerStopJobOperator")
#: Task instance states of a run in flight; every other state counts as ended.
IN_FLIGHT = ("running", "deferred", "queued", "scheduled", "up_for_retry", "up_for_reschedule", "restarting")
_XCOM_KEYS = (EXECUTION_ID_KEY, JOB_URL_KEY, "return_value")
#: (dag_id, run_id, task_id, map_index) of one task instance.
TaskKey = tuple[str, str, str, int]
_CHUNK = 400  # bound parameters per IN list (SQLite's limit is far above; some drivers' are not)


@dataclass(frozen=True)
class Query:
    """What a page or the JSON asks for: ended runs of the last ``hours``, optionally one DAG, state, connection."""

    hours: float = 24.0
    dag_id: str | None = None
    state: str | None = None
    conn_id: str | None = None
    limit: int = 500


@dataclass
class Row:
    """One task instance of a Datameer operator and what Airflow recorded about its Datameer run."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    operator: str
    state: str | None
    try_number: int
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    conn_id: str = "datameer_default"
    job_id: str | None = None
    execution_id: int | None = None
    job_url: str | None = None
    #: how the run ended as the task saw it: Datameer status, start/stop, success_count, failure_count
    outcome: dict[str, Any] = field(default_factory=dict)
    dag_run_pk: int | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.run_id, self.task_id, self.map_index)

    @property
    def in_flight(self) -> bool:
        return self.state in IN_FLIGHT


def read_rows(query: Query, dag_ids: set[str] | None, session: Any, *, task: TaskKey | None = None) -> list[Row]:
    """The rows ``query`` asks for among ``dag_ids`` (``None``: every DAG), newest first.

    ``task`` = ``(dag_id, run_id, task_id, map_index)`` reads that one task instance whatever its age or state.
    The connection filter applies to the rendered ``datameer_conn_id``, so it is checked after the facts are read.
    """
    if dag_ids is not None and not dag_ids:
        return []
    rows = _task_instances(query, dag_ids, session, task)
    _add_rendered_fields(rows, session)
    _add_xcoms(rows, session)
    _add_run_records(rows, session)
    return [row for row in rows if query.conn_id is None or row.conn_id == query.conn_id]


def _task_instances(query: Query, dag_ids: set[str] | None, session: Any, task: TaskKey | None) -> list[Row]:
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance as TI
    from sqlalchemy import and_, or_, select

    stmt = (
        select(TI.dag_id, TI.run_id, TI.task_id, TI.map_index, TI.operator, TI.custom_operator_name, TI.state)
        .add_columns(TI.try_number, TI.start_date, TI.end_date, TI.duration, DagRun.id)
        .join(DagRun, and_(DagRun.dag_id == TI.dag_id, DagRun.run_id == TI.run_id))
        .where(or_(TI.operator.in_(OPERATORS), TI.custom_operator_name.in_(OPERATORS)))
    )
    if task is not None:
        stmt = stmt.where(TI.dag_id == task[0], TI.run_id == task[1], TI.task_id == task[2], TI.map_index == task[3])
    else:
        cutoff = datetime.now(UTC) - timedelta(hours=query.hours)
        stmt = stmt.where(or_(TI.state.in_(IN_FLIGHT), TI.end_date >= cutoff))
    if dag_ids is not None:
        stmt = stmt.where(TI.dag_id.in_(sorted(dag_ids)))
    if query.dag_id:
        stmt = stmt.where(TI.dag_id == query.dag_id)
    if query.state:
        stmt = stmt.where(TI.state == query.state)
    stmt = stmt.order_by(TI.start_date.desc().nulls_first(), TI.dag_id, TI.task_id).limit(query.limit)
    return [
        Row(
            dag_id=r[0], run_id=r[1], task_id=r[2], map_index=r[3], operator=r[5] or r[4], state=_text(r[6]),
            try_number=r[7] or 0, start_date=r[8], end_date=r[9], duration=r[10], dag_run_pk=r[11],
        )
        for r in session.execute(stmt)
    ]  # fmt: skip


def _add_rendered_fields(rows: list[Row], session: Any) -> None:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as RTIF
    from sqlalchemy import select

    by_key = {row.key: row for row in rows}
    for run_ids in _chunks({row.run_id for row in rows}):
        stmt = select(RTIF.dag_id, RTIF.run_id, RTIF.task_id, RTIF.map_index, RTIF.rendered_fields)
        for dag_id, run_id, task_id, map_index, fields in session.execute(stmt.where(RTIF.run_id.in_(run_ids))):
            row = by_key.get((dag_id, run_id, task_id, map_index))
            if row is None or not isinstance(fields, dict):
                continue
            row.conn_id = _text(fields.get("datameer_conn_id")) or row.conn_id
            row.job_id = _text(fields.get("job_id"))
            row.execution_id = row.execution_id or whole_number(fields.get("execution_id"))


def _add_xcoms(rows: list[Row], session: Any) -> None:
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    by_key = {(row.dag_run_pk, row.task_id, row.map_index): row for row in rows}
    for run_pks in _chunks({row.dag_run_pk for row in rows}):
        stmt = select(XComModel).where(XComModel.dag_run_id.in_(run_pks), XComModel.key.in_(_XCOM_KEYS))
        for xcom in session.scalars(stmt):
            row = by_key.get((xcom.dag_run_id, xcom.task_id, xcom.map_index))
            if row is not None:
                _take_xcom(row, xcom.key, XComModel.deserialize_value(xcom))


def _take_xcom(row: Row, key: str, value: Any) -> None:
    if key == EXECUTION_ID_KEY:
        row.execution_id = whole_number(value) or row.execution_id
    elif key == JOB_URL_KEY and isinstance(value, str) and value.startswith(("http://", "https://")):
        row.job_url = value
    elif key == "return_value" and isinstance(value, dict) and value.get("status"):
        row.outcome = {**value, **row.outcome}  # a sensor's summary or a stop's result; the record wins


def _add_run_records(rows: list[Row], session: Any) -> None:
    """The ``datameer_run`` record of each row (Airflow 3.3+: the task state store; absent before)."""
    try:
        from airflow.models.task_state_store import TaskStateStoreModel as Store
    except ImportError:
        return
    from sqlalchemy import select

    by_key = {(row.dag_run_pk, row.task_id, row.map_index): row for row in rows}
    for run_pks in _chunks({row.dag_run_pk for row in rows}):
        stmt = select(Store.dag_run_id, Store.task_id, Store.map_index, Store.value)
        for run_pk, task_id, map_index, value in session.execute(
            stmt.where(Store.dag_run_id.in_(run_pks), Store.key == RECORD_KEY)
        ):
            row = by_key.get((run_pk, task_id, map_index))
            record = RunRecord.from_json(_json(value))
            if row is None or record is None:
                continue
            row.execution_id = row.execution_id or record.execution_id
            row.job_id = row.job_id or record.job_id
            row.outcome = {**row.outcome, **(record.outcome or {})}


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(v for v in values if v is not None)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]
