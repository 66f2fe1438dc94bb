"""DAGs whose OpenLineage events tests/dags/test_lineage_dags.py reads back (emulator jobs of default_jobs.json)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

_ARGS = {"start_date": datetime(2026, 1, 1), "schedule": None, "catchup": False}

with DAG(dag_id="datameer_lineage_runs", **_ARGS):
    # an import named by path, waited for in the worker
    DatameerTriggerJobOperator(task_id="import_by_path", job_id="/Data/ImportJobs/sales_import.imp", poll_interval=1)
    # a workbook named by file id (no path known: the dataset is file/57)
    DatameerTriggerJobOperator(task_id="workbook_by_id", job_id=57, poll_interval=1)
    # an export named by path, waited for in the triggerer (the task resumes in a new operator instance)
    DatameerTriggerJobOperator(
        task_id="export_deferred", job_id="/Data/ExportJobs/sales_export.exp", deferrable=True, poll_interval=1
    )

with DAG(dag_id="datameer_lineage_failure", **_ARGS):
    # broken_import.imp ends in ERROR
    DatameerTriggerJobOperator(task_id="broken_import", job_id=62, poll_interval=1)

with DAG(dag_id="datameer_lineage_sensor", **_ARGS):
    start = DatameerTriggerJobOperator(task_id="start", job_id=48, wait_for_completion=False)
    start >> DatameerJobSensor(
        task_id="wait", job_id=48, execution_id="{{ ti.xcom_pull(task_ids='start') }}", poke_interval=1
    )

with DAG(dag_id="datameer_lineage_plain", **_ARGS):
    # run by tests/dags/without_openlineage.py with OpenLineage made unimportable
    DatameerTriggerJobOperator(task_id="import_by_id", job_id=48, poll_interval=1)
