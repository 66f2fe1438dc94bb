"""Export the sales data each time the Datameer workbook is recomputed, whoever ran it (Airflow 3+: Asset watcher).

The Asset watches the workbook's Datameer job: each time one of its runs ends COMPLETED or
COMPLETED_WITH_WARNINGS (started from Datameer's UI, its scheduler or any tool) the triggerer adds an Asset
event, and this DAG runs. The event's
``extra["payload"]`` holds the run's execution id, status, times, record counts and counters: the first task
reports them, the second triggers the export job. Uses ``datameer_default``; docs/watch.md says what each
Airflow and Datameer version can see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_datameer.assets import datameer_asset
from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

# The watched job is named by its file id (57): ids survive a rename and need no URL encoding.
SALES_WORKBOOK = datameer_asset(
    "/Users/admin/NewWorkbook_wb.wbk", host="datameer.example.com", watch=True, job_id=57, poll_interval=30
)

with DAG(
    dag_id="example_datameer_watch",
    start_date=datetime(2026, 1, 1),
    schedule=[SALES_WORKBOOK],
    catchup=False,
    tags=["example", "datameer", "assets"],
) as dag:

    @task
    def report_runs(**context: Any) -> list[dict]:
        """The Datameer runs behind the events that started this DAG run (none for a manual run)."""
        triggering = context.get("triggering_asset_events") or {}
        runs = [event.extra.get("payload", {}) for events in triggering.values() for event in events]
        for run in runs:
            print(
                f"Datameer execution {run.get('execution_id')} of job {run.get('job_id')} ended {run.get('status')} "
                f"at {run.get('stop_time')}: {run.get('success_count')} records, {run.get('failure_count')} failed"
            )
        if not runs:
            print("No triggering Asset event (a manual run): nothing to report")
        return runs

    export = DatameerTriggerJobOperator(
        task_id="export_sales", job_id="/Data/ExportJobs/sales_export.exp", deferrable=True, poll_interval=2
    )
    report_runs() >> export
