"""DAGs whose trigger task fails after its Datameer run ended (a lost worker or a failed XCom write, played by a
``post_execute`` hook that raises on the first try), and their retry (run by tests/dags/test_durable_runs.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

_ARGS = {"start_date": datetime(2026, 1, 1), "schedule": None, "catchup": False}
_RETRY = {"retries": 1, "retry_delay": timedelta(seconds=0), "poll_interval": 1}


def fail_first_try(context, result):
    """Fail the first try after ``execute`` returned: the run has ended, the task has not recorded success."""
    if context["ti"].try_number == 1:
        raise RuntimeError("first try lost after its Datameer run ended")


for dag_id, extra in (
    ("durable_sync", {"deferrable": False}),
    ("durable_deferred", {"deferrable": True}),
    ("durable_v1", {"deferrable": False, "job_id": 41}),
    ("durable_off", {"deferrable": False, "durable": False}),
):
    with DAG(dag_id=dag_id, **_ARGS):
        DatameerTriggerJobOperator(
            task_id="run_import", **{"job_id": 48, **extra}, post_execute=fail_first_try, **_RETRY
        )

with DAG(dag_id="durable_mapped", **_ARGS):
    DatameerTriggerJobOperator.partial(
        task_id="run_imports", deferrable=True, post_execute=fail_first_try, **_RETRY
    ).expand(job_id=[48, 57])

with DAG(dag_id="durable_run_failed", **_ARGS):
    # job 62 ends ERROR: the retry must start one new run (durability never hides a failure)
    DatameerTriggerJobOperator(task_id="run_broken", job_id=62, deferrable=False, **_RETRY)
