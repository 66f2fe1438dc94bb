"""Export the sales data each time the Datameer import lands, after checking how many records arrived.

Scheduled on the Asset that ``example_datameer_asset_producer`` updates: the Asset event that triggered the run
carries the import's Datameer execution id, status, record counts and counters in its ``extra``. The first task
reads them (a manual run has no triggering event and says so); the second triggers the export job.
Uses ``datameer_default``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_datameer.assets import datameer_asset
from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

SALES_IMPORT = datameer_asset("/Data/ImportJobs/sales_import.imp", host="datameer.example.com")

with DAG(
    dag_id="example_datameer_asset_consumer",
    start_date=datetime(2026, 1, 1),
    schedule=[SALES_IMPORT],
    catchup=False,
    tags=["example", "datameer", "assets"],
) as dag:

    @task
    def records_arrived(**context: Any) -> list[dict]:
        """The Datameer runs behind the events that triggered this run (Airflow 3: ``triggering_asset_events``)."""
        triggering = context.get("triggering_asset_events") or context.get("triggering_dataset_events") or {}
        arrived = [event.extra for events in triggering.values() for event in events]
        for extra in arrived:
            print(
                f"Datameer execution {extra.get('execution_id')} ended {extra.get('status')}: "
                f"{extra.get('success_count')} records arrived, {extra.get('failure_count')} failed; "
                f"counters {extra.get('counters')}"
            )
        if not arrived:
            print("No triggering Asset event (a manual run): nothing to report")
        return arrived

    export = DatameerTriggerJobOperator(
        task_id="export_sales", job_id="/Data/ExportJobs/sales_export.exp", deferrable=True, poll_interval=2
    )
    records_arrived() >> export
