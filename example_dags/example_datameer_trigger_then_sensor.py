"""Start a Datameer job without waiting, then wait for exactly that run with a deferrable sensor.

Useful when other work can happen between starting a job and needing its result. The sensor is pinned to
the execution the first task started (``execution_id`` from XCom), so a run started by someone else in
between can never satisfy it. Uses the connection ``datameer_default``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

with DAG(
    dag_id="example_datameer_trigger_then_sensor",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "datameer"],
) as dag:
    start_workbook = DatameerTriggerJobOperator(
        task_id="start_workbook",
        job_id="9424e496-6e1c-416c-b235-0dbe3dd80f33",  # the workbook's file uuid
        wait_for_completion=False,
    )

    wait_for_workbook = DatameerJobSensor(
        task_id="wait_for_workbook",
        job_id="9424e496-6e1c-416c-b235-0dbe3dd80f33",
        execution_id="{{ ti.xcom_pull(task_ids='start_workbook') }}",
        deferrable=True,
        poke_interval=2,
        timeout=600,
    )

    start_workbook >> wait_for_workbook
