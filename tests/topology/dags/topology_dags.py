"""DAGs of the topology tier: mapped deferrable ``DatameerTriggerJobOperator`` tasks, one per job of
``tests/topology/jobs.py`` (importable: the topology puts the repository on the components' PYTHONPATH),
and worker-free ``DatameerJobSensor`` tasks beside one deferrable twin."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor
from tests.topology.jobs import (
    HELD_FILE_IDS,
    MAPPED_FILE_IDS,
    MAX_CONSECUTIVE_ERRORS,
    POLL_INTERVAL,
    WORKER_FREE_FILE_IDS,
)

for dag_id, file_ids in (("topology_mapped", MAPPED_FILE_IDS), ("topology_held", HELD_FILE_IDS)):
    with DAG(dag_id=dag_id, start_date=datetime(2026, 1, 1), schedule=None, catchup=False, tags=["topology"]):
        DatameerTriggerJobOperator.partial(
            task_id="run",
            deferrable=True,
            poll_interval=POLL_INTERVAL,
            max_consecutive_errors=MAX_CONSECUTIVE_ERRORS,
            timeout=1800,
            retries=0,
        ).expand(job_id=file_ids)

# free_<file id>: started by the scheduler in a triggerer and ended there; twin: the same wait as an ordinary
# deferrable sensor, which a Celery worker starts (the tier's proof that the workers' logs name the tasks they run)
with DAG(
    dag_id="topology_worker_free", start_date=datetime(2026, 1, 1), schedule=None, catchup=False, tags=["topology"]
):
    waits = {"poke_interval": POLL_INTERVAL, "max_consecutive_errors": MAX_CONSECUTIVE_ERRORS, "retries": 0}
    for file_id in WORKER_FREE_FILE_IDS:
        DatameerJobSensor(
            task_id=f"free_{file_id}", job_id=file_id, start_from_trigger=True, end_from_trigger=True, **waits
        )
    DatameerJobSensor(task_id="twin", job_id=WORKER_FREE_FILE_IDS[0], deferrable=True, **waits)
