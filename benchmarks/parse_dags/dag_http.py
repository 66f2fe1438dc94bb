"""P4 peer: a DAG file that imports the http provider's operator (and builds one task).

``BaseOperator`` is imported first, as in the baseline (see dag_datameer.py); the import order is kept.
"""

# ruff: noqa: I001

from __future__ import annotations

from airflow.sdk import DAG, BaseOperator  # noqa: F401

from airflow.providers.http.operators.http import HttpOperator

with DAG(dag_id="p4_http", schedule=None):
    HttpOperator(task_id="call", http_conn_id="http_default", endpoint="/api", method="GET")
