"""P4 subject: a DAG file that imports the Datameer operators and sensor (and builds one task of each).

``BaseOperator`` is imported first, as in the baseline: a DAG processor has it loaded already, so the
provider's own modules are what the comparison charges.
"""

from __future__ import annotations

from airflow.sdk import DAG, BaseOperator  # noqa: F401

from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator, DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

with DAG(dag_id="p4_datameer", schedule=None):
    run = DatameerTriggerJobOperator(task_id="run", job_id=48, wait_for_completion=False)
    wait = DatameerJobSensor(task_id="wait", job_id=48, deferrable=True)
    stop = DatameerStopJobOperator(task_id="stop", job_id=48)
    run >> wait >> stop
