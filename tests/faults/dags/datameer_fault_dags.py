"""DAGs of the fault matrix that need Airflow itself (run by tests/faults/test_airflow.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

with DAG(dag_id="datameer_fault_execution_timeout", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    # long_import.imp runs for 600 s on the emulator; Airflow's execution_timeout kills the task after 3 s
    # and calls on_kill, which must stop the Datameer run.
    DatameerTriggerJobOperator(
        task_id="run_long",
        job_id=63,
        deferrable=False,
        poll_interval=0.5,
        execution_timeout=timedelta(seconds=3),
    )
