"""Print, as JSON, what the Airflow UI would show as the "Datameer Job" link of example (a)'s trigger task,
run in the AIRFLOW_HOME of a finished `airflow dags test`, next to the task's ``job_url`` XCom.

Airflow 3: the worker resolved the link when the task ended and stored it as the XCom ``_link_DatameerJobLink``,
which the API server returns. Airflow 2: the webserver asks the operator's link (``get_extra_links``), which
reads the XCom through the metadata database.
"""

from __future__ import annotations

import json
import sys

DAG_ID, TASK_ID = "example_datameer_trigger_and_wait", "run_import"


def xcoms_airflow_3() -> dict[str, object]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel).filter_by(dag_id=DAG_ID, task_id=TASK_ID).all()
        return {row.key: XComModel.deserialize_value(row) for row in rows}


def xcoms_airflow_2(dags_folder: str) -> dict[str, object]:
    from airflow.models import DagBag, TaskInstance, XCom
    from airflow.utils.session import create_session

    task = DagBag(dag_folder=dags_folder, include_examples=False).get_dag(DAG_ID).get_task(TASK_ID)
    with create_session() as session:
        ti = session.query(TaskInstance).filter_by(dag_id=DAG_ID, task_id=TASK_ID).one()
        xcoms = {key: XCom.get_value(ti_key=ti.key, key=key) for key in ("job_url", "job_execution_id")}
        return {**xcoms, "_link_DatameerJobLink": task.get_extra_links(ti, "Datameer Job")}


def main() -> None:
    import airflow

    xcoms = xcoms_airflow_3() if airflow.__version__.startswith("3.") else xcoms_airflow_2(sys.argv[1])
    print(json.dumps({key: xcoms.get(key) for key in ("_link_DatameerJobLink", "job_url", "job_execution_id")}))


if __name__ == "__main__":
    main()
