"""The README's complete DAG: an import triggered and waited for in the triggerer, then a workbook started
and waited for by a sensor pinned to that run's execution id from XCom.

tests/dags/test_readme_dag.py keeps this file and the README's copy the same; the example tier runs it against
the emulator (job 48 and the workbook are emulator default jobs).
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG  # Airflow 2.11 and 3; on 3 alone: from airflow.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

WORKBOOK = "9424e496-6e1c-416c-b235-0dbe3dd80f33"  # a job can be named by file id, uuid or path

with DAG(
    dag_id="example_datameer_quickstart",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
) as dag:
    # Trigger the import and wait for it in the triggerer: no worker slot is held while Datameer works.
    run_import = DatameerTriggerJobOperator(
        task_id="run_import",
        job_id=48,  # the job's File ID; "/Data/ImportJobs/sales_import.imp" (its path) works too
        deferrable=True,
        poll_interval=10,  # seconds between status checks (default 30)
        timeout=3600,  # on timeout the Datameer run is stopped and the task fails
    )

    # Start the workbook and return at once. The new run's id goes to XCom as "job_execution_id".
    start_workbook = DatameerTriggerJobOperator(
        task_id="start_workbook",
        job_id=WORKBOOK,
        wait_for_completion=False,
    )

    # Wait for exactly that run. A run that someone else starts in the meantime cannot satisfy this sensor.
    wait_for_workbook = DatameerJobSensor(
        task_id="wait_for_workbook",
        job_id=WORKBOOK,
        execution_id="{{ ti.xcom_pull(task_ids='start_workbook', key='job_execution_id') }}",
        deferrable=True,
        poke_interval=10,
        timeout=6 * 3600,
    )

    run_import >> start_workbook >> wait_for_workbook
