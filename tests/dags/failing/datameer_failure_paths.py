"""DAGs that must fail, each with a message that names the problem (run by tests/dags/test_failure_dags.py)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

_ARGS = {"start_date": datetime(2026, 1, 1), "schedule": None, "catchup": False}

with DAG(dag_id="datameer_job_errors", **_ARGS):
    # broken_import.imp ends in ERROR on the emulator
    DatameerTriggerJobOperator(task_id="run_broken", job_id=62, deferrable=True, poll_interval=1)

with DAG(dag_id="datameer_unknown_job", **_ARGS):
    DatameerTriggerJobOperator(task_id="run_missing", job_id=999, deferrable=True, poll_interval=1)

with DAG(dag_id="datameer_sensor_sees_error", **_ARGS):
    start = DatameerTriggerJobOperator(task_id="start", job_id=62, wait_for_completion=False)
    start >> DatameerJobSensor(
        task_id="wait",
        job_id=62,
        execution_id="{{ ti.xcom_pull(task_ids='start') }}",
        deferrable=True,
        poke_interval=1,
    )
