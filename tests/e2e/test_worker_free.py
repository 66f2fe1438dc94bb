"""The worker-free DatameerJobSensor under a real ``airflow standalone`` (scheduler, triggerer, LocalExecutor)
against the emulator: tests/dags/worker_free/datameer_worker_free.py, one run.

Proof that no worker ran a ``free_*`` task: the scheduler never handed it to the executor (no "Trying to
enqueue tasks" line names it), and its only log is the triggerer's (``attempt=1.log.trigger.*``; a worker
writes ``attempt=1.log``). Outcomes and XCom are compared with ``twin_*``, a deferrable sensor on the same run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.airflow_api import AirflowApiError
from scripts.dag_runs import standalone, start_runs, states, wait_finished
from tests.support import REPO

DAGS = REPO / "tests" / "dags" / "worker_free"
DAG_ID = "datameer_worker_free"
FREE = ("free_ok", "free_error", "free_timeout", "free_soft_timeout")


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("airflow-worker-free")
    with standalone(home, DAGS) as (stack, _emulator):
        runs = start_runs(stack.api, [DAG_ID])
        wait_finished(stack.api, runs, timeout=600)
        tis = {task_id: ti for (_dag, task_id), ti in states(stack.api, runs).items()}
        xcom = {
            (task_id, key): _xcom(stack.api, runs[DAG_ID], task_id, key)
            for task_id in ("free_ok", "twin_ok", "free_error", "twin_error")
            for key in ("return_value", "job_execution_id", "job_url")
        }
        yield {"tis": tis, "xcom": xcom, "home": home}


def _xcom(api: Any, run_id: str, task_id: str, key: str) -> Any:
    try:
        return api.xcom(DAG_ID, run_id, task_id, key)
    except AirflowApiError:  # absent: compared below
        return None


def task_logs(home: Path, task_id: str) -> dict[str, str]:
    folder = next(home.glob(f"logs/dag_id={DAG_ID}/run_id=*/task_id={task_id}"))
    return {p.name: p.read_text(errors="replace") for p in folder.iterdir()}


def test_outcomes_match_the_deferrable_sensor(finished):
    state = {task_id: ti["state"] for task_id, ti in finished["tis"].items()}
    assert state["free_ok"] == state["twin_ok"] == "success"
    assert state["free_error"] == state["twin_error"] == "failed"
    assert state["free_timeout"] == "failed"
    assert state["free_soft_timeout"] == "skipped"


def test_xcom_summary_run_id_and_link_equal_the_deferrable_sensors(finished):
    xcom = finished["xcom"]
    for key in ("return_value", "job_execution_id", "job_url"):
        assert xcom[("free_ok", key)] == xcom[("twin_ok", key)], key
    assert xcom[("free_ok", "return_value")]["counters"]
    assert xcom[("free_error", "job_execution_id")] == xcom[("twin_error", "job_execution_id")]


def test_failure_and_timeout_messages_are_in_the_task_log(finished):
    error_log = "".join(task_logs(finished["home"], "free_error").values())
    assert "DatameerJobFailed: Datameer job 62 execution" in error_log
    assert "ended ERROR (job details" in error_log
    assert "Timed out after" in "".join(task_logs(finished["home"], "free_timeout").values())
    assert "soft_fail: skipping" in "".join(task_logs(finished["home"], "free_soft_timeout").values())


@pytest.mark.parametrize("task_id", FREE)
def test_no_worker_ran_the_task(finished, task_id):
    ti = finished["tis"][task_id]
    assert not ti.get("hostname")
    logs = task_logs(finished["home"], task_id)
    assert logs, "the triggerer's log of the task"
    assert all(".trigger." in name for name in logs), sorted(logs)
    enqueued = [
        line
        for line in (finished["home"] / "standalone.log").read_text(errors="replace").splitlines()
        if "Trying to enqueue tasks" in line
    ]
    assert enqueued, "the scheduler's enqueue lines (the start_* and twin_* tasks)"
    assert not [line for line in enqueued if f".{task_id} " in line]
