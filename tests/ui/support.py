"""Helpers of the UI tier: Datameer task instances written into Airflow's database as Airflow writes them.

The rows are the ones the page reads (task instance, rendered fields, XComs, on 3.3+ the task state store), added
with Airflow's own models; a DAG gets its bundle and DagModel so that the auth manager's
``get_authorized_dag_ids`` (a join over them) sees it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class Task:
    """One Datameer task instance to write; ``None`` fields are left out of the database."""

    dag_id: str
    task_id: str
    run_id: str = "manual__1"
    state: str = "running"
    operator: str = "DatameerTriggerJobOperator"
    map_index: int = -1
    conn_id: str = "datameer_default"
    job_id: Any = None
    execution_id: int | None = None
    job_url: str | None = None
    ended_minutes_ago: float | None = None
    outcome: dict[str, Any] | None = None
    extra_xcom: dict[str, Any] = field(default_factory=dict)


def write(tasks: list[Task]) -> None:
    """Write every task, creating its DAG and DAG run the first time they are named."""
    from airflow.utils.session import create_session

    with create_session() as session:
        runs: dict[tuple[str, str], int] = {}
        for task in tasks:
            key = (task.dag_id, task.run_id)
            if key not in runs:
                runs[key] = _dag_run(session, task.dag_id, task.run_id)
            _task(session, task, runs[key])


def clear() -> None:
    """Remove every DAG (and what hangs on it) the tests wrote."""
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    models: list[Any] = [XComModel, RenderedTaskInstanceFields, TaskInstance]
    try:
        from airflow.models.task_state_store import TaskStateStoreModel

        models.insert(0, TaskStateStoreModel)
    except ImportError:
        pass
    with create_session() as session:
        for model in [*models, DagRun, DagModel]:
            session.execute(delete(model))


def _dag_run(session: Any, dag_id: str, run_id: str) -> int:
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.dagrun import DagRun

    if session.get(DagBundleModel, "tests") is None:
        session.add(DagBundleModel(name="tests"))
        session.flush()
    if session.get(DagModel, dag_id) is None:
        session.add(DagModel(dag_id=dag_id, bundle_name="tests"))
    run = DagRun(dag_id=dag_id, run_id=run_id, run_type="manual", state="running")
    session.add(run)
    session.flush()
    return run.id


def _task(session: Any, task: Task, run_pk: int) -> None:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from sqlalchemy import insert

    now = datetime.now(UTC)
    ended = None if task.ended_minutes_ago is None else now - timedelta(minutes=task.ended_minutes_ago)
    start = (ended or now) - timedelta(minutes=3)
    ti = {"dag_id": task.dag_id, "task_id": task.task_id, "run_id": task.run_id, "map_index": task.map_index}
    session.execute(
        insert(TaskInstance).values(
            id=_ti_id(),
            **ti,
            state=task.state,
            operator=task.operator,
            pool="default_pool",
            try_number=1,
            start_date=start,
            end_date=ended,
            duration=(ended - start).total_seconds() if ended else None,
        )
    )
    fields = {"job_id": task.job_id, "datameer_conn_id": task.conn_id}
    session.execute(insert(RenderedTaskInstanceFields).values(**ti, rendered_fields=fields))
    xcoms = {"job_execution_id": task.execution_id, "job_url": task.job_url, **task.extra_xcom}
    for key, value in xcoms.items():
        if value is not None:
            session.execute(
                insert(XComModel).values(
                    dag_run_id=run_pk, **ti, key=key, value=XComModel.serialize_value(value), timestamp=now
                )
            )
    if task.outcome is not None:
        _record(session, task, run_pk)


def _record(session: Any, task: Task, run_pk: int) -> None:
    """The trigger operator's ``datameer_run`` record (Airflow 3.3+)."""
    from airflow.models.task_state_store import TaskStateStoreModel
    from sqlalchemy import insert

    from airflow_provider_datameer.core.durable import RECORD_KEY, RunRecord

    record = RunRecord(str(task.job_id), task.execution_id or 0, 2, None, 1, 0, outcome=task.outcome)
    session.execute(
        insert(TaskStateStoreModel).values(
            dag_run_id=run_pk,
            dag_id=task.dag_id,
            run_id=task.run_id,
            task_id=task.task_id,
            map_index=task.map_index,
            key=RECORD_KEY,
            value=json.dumps(record.to_json()),
        )
    )


def _ti_id() -> Any:
    """A task instance id as the installed Airflow's column takes it (a UUID on 3.3, its text on 3.1's SQLite)."""
    from airflow.models.taskinstance import TaskInstance

    column = TaskInstance.__table__.c.id.type  # SQLAlchemy 2's Uuid on 3.3; a Variant of String on 3.1 (SQLAlchemy 1.4)
    return uuid.uuid4() if type(column).__name__ == "Uuid" else str(uuid.uuid4())
