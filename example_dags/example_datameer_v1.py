"""Run a Datameer job on a server without the /api/ commands (older than 7.2.5): the V1 path.

The connection ``datameer_default`` carries the extra ``{"api_version": 1}``, so every operator and
sensor here uses only Datameer's ``/rest/`` commands: the job is named by its CONFIGURATION id (the "ID"
column of the job in Datameer's file browser, not its "File ID"; configuration 41 is the import job 48 on
the emulator), triggered with ``POST /rest/job-execution?configuration=41``, found as the configuration's
status moves on to a new execution, waited for with V1 status and job details, and stopped with job-kill
on timeout. The sensor then re-checks exactly that run (``execution_id`` from XCom). Setting
``api_version=1`` on a task instead does the same for that task only.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

with DAG(
    dag_id="example_datameer_v1",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "datameer"],
) as dag:
    run_import = DatameerTriggerJobOperator(
        task_id="run_import",
        job_id=41,  # a configuration id: the connection extra "api_version": 1 says so
        deferrable=True,
        poll_interval=2,  # seconds; short for the demo, 30 (the default) suits real jobs
        timeout=600,
    )

    check_import = DatameerJobSensor(
        task_id="check_import",
        job_id=41,
        execution_id="{{ ti.xcom_pull(task_ids='run_import') }}",
        poke_interval=2,
        timeout=600,
    )

    run_import >> check_import
