"""Worker-free DatameerJobSensor tasks (Airflow 3.3+) beside their deferrable twins, for the e2e tier.

Each job is started by a worker task (``start_*``). ``free_*`` waits for that run with
``start_from_trigger=True, end_from_trigger=True``; its templated fields are rendered in the triggerer
(``job_id`` from the run's params) and, with no ``execution_id``, it pins the job's current run: the one
its starter started. ``twin_*`` waits for the same run as an ordinary deferrable sensor (pinned through
XCom), so that the XCom summaries can be compared. ``free_timeout`` times out (and ``free_soft_timeout``
skips) on a long job.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

#: job name -> emulator file id (default_jobs.json): 48 ends COMPLETED, 62 ERROR, 63 runs for 10 minutes
JOBS = {"ok": 48, "error": 62, "long": 63}
WORKER_FREE = {"start_from_trigger": True, "end_from_trigger": True, "poke_interval": 1, "retries": 0}

with DAG(
    dag_id="datameer_worker_free",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"ok_job": JOBS["ok"]},
) as dag:
    starts = {
        name: DatameerTriggerJobOperator(task_id=f"start_{name}", job_id=file_id, wait_for_completion=False)
        for name, file_id in JOBS.items()
    }
    for name in ("ok", "error"):
        pinned = f"{{{{ ti.xcom_pull(task_ids='start_{name}') }}}}"
        job_id = "{{ params.ok_job }}" if name == "ok" else JOBS[name]
        free = DatameerJobSensor(task_id=f"free_{name}", job_id=job_id, timeout=300, **WORKER_FREE)
        twin = DatameerJobSensor(
            task_id=f"twin_{name}",
            job_id=JOBS[name],
            execution_id=pinned,
            deferrable=True,
            poke_interval=1,
            timeout=300,
        )
        starts[name] >> [free, twin]
    for task_id, soft_fail in (("free_timeout", False), ("free_soft_timeout", True)):
        starts["long"] >> DatameerJobSensor(
            task_id=task_id, job_id=JOBS["long"], timeout=8, soft_fail=soft_fail, **WORKER_FREE
        )
