"""Durable runs under a real ``airflow standalone`` (Airflow 3.3+, docs/durable-runs.md): the process of a trigger
task's first try is SIGKILLed (as the OOM killer or a lost node would), and its retry takes the Datameer run the
first try recorded in the task state store instead of starting a second one; a user's Clear of a successful task
starts exactly one new run. Trigger requests are counted on the emulator. The DAGs are tests/e2e/dags."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from scripts.airflow_api import AirflowApi
from scripts.processes import wait_for
from tests.e2e.browser import rendered_dom, screenshot
from tests.e2e.support import DEADLINE, RunWatch, finish, long_job, polls_after_trigger
from tests.support import requests, requires_airflow, rest_executions

pytestmark = requires_airflow(">=3.3", "the task state store (AIP-103)")
TRIGGERS = ("trigger_v2", "trigger_sequential", "trigger_v1")


def started(api: AirflowApi, dag_id: str) -> RunWatch:
    """A new run of ``dag_id`` (an e2e DAG, parsed and unpaused first)."""
    wait_for(lambda: api.dag(dag_id), timeout=180, what=f"{dag_id} parsed")
    api.set_paused(dag_id, False)
    return RunWatch.start(api, dag_id)


def marked(pids: Path, run: RunWatch, try_number: int, suffix: str = "pid") -> str:
    """What try ``try_number`` of the run's task wrote to ``<dag>.<try>.<suffix>`` (tests/e2e/dags)."""
    path = pids / f"{run.dag_id}.{try_number}.{suffix}"
    return wait_for(
        lambda: path.exists() and (path.read_text() or "written"),
        timeout=DEADLINE,
        what=f"try {try_number} of {run.dag_id} writing {path.name} (states {run.states})",
        interval=0.2,
    )


def kill(pid: str) -> float:
    os.kill(int(pid), signal.SIGKILL)
    return time.time()


def ended_well(run: RunWatch, try_number: int) -> dict:
    assert run.wait_end() == "success", f"run_import went through {run.states}"
    ti = run.task()
    assert (ti["state"], ti["try_number"]) == ("success", try_number), run.states
    return ti


def test_a_try_killed_while_waiting_is_retried_and_the_retry_waits_for_the_same_run(airflow, emulator, pids):
    long_job(emulator)
    run = started(airflow.api, "e2e_durable_killed_waiting")
    first_try = marked(pids, run, 1)
    wait_for(lambda: polls_after_trigger(emulator), timeout=DEADLINE, what="the first try polling", interval=0.2)
    (execution,) = rest_executions(emulator)

    killed_at = kill(first_try)
    marked(pids, run, 2)

    def polled_again() -> list[dict]:
        return polls_after_trigger(emulator, since=killed_at)  # V2 status is read per job, not per execution

    wait_for(polled_again, timeout=DEADLINE, what="the retry polling Datameer again", interval=0.2)
    assert len(requests(emulator, *TRIGGERS)) == 1, "the retry started a second Datameer run"
    finish(emulator, execution["id"])

    ended_well(run, try_number=2)
    assert len(requests(emulator, *TRIGGERS)) == 1
    assert [e["id"] for e in rest_executions(emulator)] == [execution["id"]]
    assert run.xcom("job_execution_id") == execution["id"]
    record = run.task_state()["datameer_run"]
    assert (record["execution_id"], record["try_number"]) == (execution["id"], 1), record
    assert record["outcome"]["status"] == "COMPLETED", record


def test_a_try_killed_after_its_run_ended_is_retried_and_the_retry_takes_the_result(airflow, emulator, pids):
    run = started(airflow.api, "e2e_durable_killed_after_end")
    first_try = marked(pids, run, 1)
    marked(pids, run, 1, "ended")
    (execution,) = rest_executions(emulator)
    assert execution["status"] == "COMPLETED"

    kill(first_try)

    ended_well(run, try_number=2)
    marked(pids, run, 2, "ended")
    assert len(requests(emulator, *TRIGGERS)) == 1, "the retry started a second Datameer run"
    assert [e["id"] for e in rest_executions(emulator)] == [execution["id"]]
    assert run.xcom("job_execution_id") == execution["id"]
    assert run.task_state()["datameer_run"]["execution_id"] == execution["id"]


def test_a_user_clearing_a_successful_task_starts_exactly_one_new_run(airflow, emulator, artifacts):
    run = started(airflow.api, "e2e_durable_cleared")
    ended_well(run, try_number=1)
    (first,) = rest_executions(emulator)

    airflow.api.clear_task(run.dag_id, run.run_id, "run_import")

    def second_try_over() -> dict | None:
        ti = run.task()
        return ti if ti["try_number"] == 2 and ti["state"] in ("success", "failed") else None

    wait_for(second_try_over, timeout=DEADLINE, what="the cleared task run again", interval=0.5)
    ended_well(run, try_number=2)
    executions = [e["id"] for e in rest_executions(emulator)]
    assert len(requests(emulator, *TRIGGERS)) == 2, "a clear must start exactly one new run"
    assert len(executions) == 2
    assert executions[0] == first["id"]
    record = run.task_state()["datameer_run"]
    assert (record["execution_id"], record["try_number"]) == (executions[1], 2), record
    assert run.xcom("job_execution_id") == executions[1]

    storage = f"{run.page(airflow.url)}/task-state-store"
    screenshot(storage, artifacts / "task-storage.png")
    dom = rendered_dom(storage)
    assert "datameer_run" in dom, "the task's Storage tab does not show the Datameer run record"
    assert str(executions[1]) in dom
