"""Import sales data into Datameer and announce it as an Asset, with the run's record counts attached.

``datameer_asset`` names the Datameer file as an Asset (``datameer://datameer.example.com/Data/ImportJobs/
sales_import.imp``). When the import completes, the task's Asset event carries the Datameer execution id, the
final status, the success and failure counts and the job-details counters in its ``extra``;
``example_datameer_asset_consumer`` is scheduled on this Asset and reads them. Uses ``datameer_default``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.assets import datameer_asset
from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

# The host only names the Asset; give your server's host (and port) so that the Asset and OpenLineage agree.
SALES_IMPORT = datameer_asset("/Data/ImportJobs/sales_import.imp", host="datameer.example.com")

with DAG(
    dag_id="example_datameer_asset_producer",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "datameer", "assets"],
) as dag:
    DatameerTriggerJobOperator(
        task_id="import_sales",
        job_id="/Data/ImportJobs/sales_import.imp",
        outlets=[SALES_IMPORT],
        deferrable=True,
        poll_interval=2,  # seconds; short for the demo
        timeout=600,
    )
