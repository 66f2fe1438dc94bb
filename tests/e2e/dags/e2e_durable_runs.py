"""DAGs of tests/e2e/test_durable_runs.py: a trigger task whose first try's process is SIGKILLed by the test,
while it waits or after its Datameer run ended, and one a user clears after it succeeded.

Each try writes its process id to ``$DATAMEER_E2E_PIDS/<dag_id>.<try>.pid`` when it starts (``pre_execute``),
which is how the test finds the process to kill. ``e2e_durable_killed_after_end`` writes
``<dag_id>.<try>.ended`` once ``execute`` has returned and then, on its first try, sleeps until it is killed.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

PIDS = Path(os.environ.get("DATAMEER_E2E_PIDS", "/tmp/datameer-e2e-pids"))
_DAG = {"start_date": datetime(2026, 1, 1), "schedule": None, "catchup": False}
_TASK = {"job_id": 48, "deferrable": False, "poll_interval": 1, "retries": 1, "retry_delay": timedelta(0)}


def _mark(context, suffix: str, text: str = "") -> None:
    ti = context["ti"]
    PIDS.mkdir(parents=True, exist_ok=True)
    (PIDS / f"{ti.dag_id}.{ti.try_number}.{suffix}").write_text(text)


def note_pid(context) -> None:
    _mark(context, "pid", str(os.getpid()))


def hang_after_the_first_run_ended(context, result) -> None:
    """The run has ended and ``execute`` returned; the first try now waits to be killed before Airflow records
    its success (the window a lost worker leaves)."""
    _mark(context, "ended")
    if context["ti"].try_number == 1:
        time.sleep(600)


for dag_id, extra in (
    ("e2e_durable_killed_waiting", {}),
    ("e2e_durable_killed_after_end", {"post_execute": hang_after_the_first_run_ended}),
    ("e2e_durable_cleared", {}),
):
    with DAG(dag_id=dag_id, **_DAG):
        DatameerTriggerJobOperator(task_id="run_import", pre_execute=note_pid, **_TASK, **extra)
