"""Asset events of a Datameer task carry the run's outcome, and a consumer DAG scheduled on the Asset reads it.

``airflow dags test`` runs one DAG and never starts the DAGs an Asset event schedules, so the hand-off is made
in three real steps: the producer example runs under ``airflow dags test`` (its task writes the ``extra``, Airflow
stores the Asset event); ``asset_handoff.py`` reads that event from the metadata DB, checks the consumer is
scheduled on the Asset, and creates the consumer's asset-triggered run consuming the event as the scheduler
does; ``airflow tasks test`` then runs the consumer's task in that run, which reads the counters from
``triggering_asset_events``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import AIRFLOW, EXAMPLE_DAGS, REPO, airflow_env, connection_json

HANDOFF = REPO / "tests" / "dags" / "asset_handoff.py"
URI = "datameer://datameer.example.com/Data/ImportJobs/sales_import.imp"
EXTRA_KEYS = {"job_id", "execution_id", "status", "success_count", "failure_count", "counters"}


def airflow_3() -> bool:
    from airflow import __version__

    return int(__version__.split(".")[0]) >= 3


@pytest.mark.dags
@pytest.mark.skipif(not airflow_3(), reason="Asset events with extra read through triggering_asset_events: Airflow 3")
def test_consumer_reads_the_counters_of_the_triggering_import(dags_test, emulator, datameer_conn):
    produced = dags_test("example_datameer_asset_producer")
    assert produced.state == "success", produced.output[-4000:]
    env = airflow_env(produced.home, EXAMPLE_DAGS, AIRFLOW_CONN_DATAMEER_DEFAULT=connection_json(emulator.url))

    handoff = subprocess.run(
        [sys.executable, str(HANDOFF), URI, "example_datameer_asset_consumer"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert handoff.returncode == 0, handoff.stderr[-4000:]
    found = json.loads(handoff.stdout.strip().splitlines()[-1])
    assert found["consumers"] == ["example_datameer_asset_consumer"]
    [extra] = found["extras"]
    assert set(extra) == EXTRA_KEYS
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    details = DatameerHook(datameer_conn_id="datameer_default").get_job_details(extra["execution_id"])
    assert (extra["status"], extra["job_id"]) == ("COMPLETED", "/Data/ImportJobs/sales_import.imp")
    assert (extra["success_count"], extra["failure_count"]) == (details.success_count, details.failure_count)
    assert extra["counters"] == dict(details.counters)

    consumed = subprocess.run(
        [AIRFLOW, "tasks", "test", "example_datameer_asset_consumer", "records_arrived", found["run_id"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = consumed.stdout + consumed.stderr
    assert consumed.returncode == 0, output[-4000:]
    assert (
        f"Datameer execution {extra['execution_id']} ended COMPLETED: {details.success_count} records arrived" in output
    ), output[-4000:]
