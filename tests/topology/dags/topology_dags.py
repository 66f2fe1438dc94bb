"""DAGs of the topology tier: mapped deferrable ``DatameerTriggerJobOperator`` tasks, one per job of
``tests/topology/jobs.py`` (importable: the topology puts the repository on the components' PYTHONPATH)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
from tests.topology.jobs import HELD_FILE_IDS, MAPPED_FILE_IDS, MAX_CONSECUTIVE_ERRORS, POLL_INTERVAL

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
