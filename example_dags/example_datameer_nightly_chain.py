"""A nightly chain of Datameer jobs: import, then the workbook built on it, then the export.

Each step starts only when the previous one succeeded. ``if_running="queue"`` queues a run behind one that
is still going (for instance a manual run someone started), instead of joining it or failing, so every
night's data is processed by a run that started after the previous step. Uses the connection
``datameer_default``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, chain

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

with DAG(
    dag_id="example_datameer_nightly_chain",
    start_date=datetime(2026, 1, 1),
    schedule="@daily",
    catchup=False,
    tags=["example", "datameer"],
) as dag:
    steps = [
        DatameerTriggerJobOperator(
            task_id=task_id,
            job_id=job_id,
            if_running="queue",
            deferrable=True,
            poll_interval=2,
            timeout=3600,
        )
        for task_id, job_id in (("import_sales", 48), ("build_workbook", 57), ("export_results", 61))
    ]
    chain(*steps)
