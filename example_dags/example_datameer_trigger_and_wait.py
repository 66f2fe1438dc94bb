"""Trigger a Datameer job, wait for it in the triggerer, then read its job details downstream.

The most common pattern: ``DatameerTriggerJobOperator`` starts the import job (file id 48 on the
emulator), pushes ``job_execution_id`` and ``job_url`` to XCom at once, and defers: no worker slot is held
while Datameer works. The downstream task reads the run's counters with ``DatameerHook.get_job_details``.
Uses the connection ``datameer_default``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

with DAG(
    dag_id="example_datameer_trigger_and_wait",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "datameer"],
) as dag:
    run_import = DatameerTriggerJobOperator(
        task_id="run_import",
        job_id=48,  # a file id; a uuid or a path such as "/Data/ImportJobs/sales_import.imp" works too
        deferrable=True,
        poll_interval=2,  # seconds; short for the demo, 30 (the default) suits real jobs
        timeout=600,
    )

    @task
    def report(execution_id: int) -> dict:
        """Read the finished run's counters (import records, dropped records, ...)."""
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        details = DatameerHook().get_job_details(execution_id)
        print(f"Execution {execution_id}: {details.status.value}, {details.success_count} records")
        return {"status": details.status.value, "records": details.success_count, **details.counters}

    report(run_import.output)
