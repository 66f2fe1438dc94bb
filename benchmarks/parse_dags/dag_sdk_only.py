"""P4 baseline: a DAG file that imports only ``airflow.sdk`` (one task, made from its BaseOperator)."""

from __future__ import annotations

from airflow.sdk import DAG, BaseOperator

with DAG(dag_id="p4_sdk_only", schedule=None):
    BaseOperator(task_id="noop")
