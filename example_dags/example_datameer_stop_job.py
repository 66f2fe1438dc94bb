"""Stop a Datameer job: start a long import, then stop that very execution and wait until it ended.

``DatameerStopJobOperator`` with an ``execution_id`` stops one run (V1 job-kill); with only ``job_id`` it
stops the file's current run (V2 stop). A job with nothing running is a logged no-op. Uses the
connection ``datameer_default``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator, DatameerTriggerJobOperator

with DAG(
    dag_id="example_datameer_stop_job",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "datameer"],
) as dag:
    start_long_import = DatameerTriggerJobOperator(
        task_id="start_long_import",
        job_id="/Data/ImportJobs/long_import.imp",  # a path: sent as one encoded URL segment
        wait_for_completion=False,
    )

    stop_it = DatameerStopJobOperator(
        task_id="stop_it",
        job_id="/Data/ImportJobs/long_import.imp",
        execution_id="{{ ti.xcom_pull(task_ids='start_long_import') }}",
        wait_for_termination=True,
        poll_interval=1,
    )

    start_long_import >> stop_it
