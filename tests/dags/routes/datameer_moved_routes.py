"""One DAG that uses every command a server may have elsewhere: the V2 trigger, the sequential trigger and
the V2 stop (run by tests/dags/test_endpoints_override.py against an emulator with those routes moved)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator, DatameerTriggerJobOperator

with DAG(dag_id="datameer_moved_routes", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    run_import = DatameerTriggerJobOperator(task_id="run_import", job_id=48, deferrable=True, poll_interval=1)
    start_long = DatameerTriggerJobOperator(task_id="start_long", job_id=63, wait_for_completion=False)
    queue_long = DatameerTriggerJobOperator(
        task_id="queue_long", job_id=63, if_running="queue", wait_for_completion=False
    )
    stop_long = DatameerStopJobOperator(task_id="stop_long", job_id=63, poll_interval=1)
    run_import >> start_long >> queue_long >> stop_long
