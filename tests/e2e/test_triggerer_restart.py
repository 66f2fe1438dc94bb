"""F11: the triggerer dies (SIGKILL of its whole process tree) while ``run_import`` is deferred, and a new
triggerer is started. The new one takes over the same trigger row, resumes polling the same execution, and
the run succeeds without a second trigger request and without a retry of the task."""

from __future__ import annotations

import time

from scripts.processes import wait_for
from tests.e2e.support import DEADLINE, RunWatch, finish, long_job, polls_after_trigger
from tests.support import requests, rest_executions


def test_run_survives_a_killed_triggerer(airflow, emulator):
    long_job(emulator)
    run = RunWatch.start(airflow.api)
    before = run.wait_deferred_and_polling(emulator)
    (execution,) = rest_executions(emulator)

    killed = airflow.kill_component("triggerer")
    killed_at = time.time()
    replacement = airflow.start_component("triggerer")

    def taken_over() -> dict | None:
        ti = run.task()
        job = ti.get("triggerer_job") or {}
        moved = ti["state"] == "deferred" and job.get("id") not in (None, before["triggerer_job"]["id"])
        return ti if moved and len(polls_after_trigger(emulator, since=killed_at)) >= 2 else None

    after = wait_for(taken_over, timeout=DEADLINE, what="a new triggerer polling the same trigger", interval=0.5)
    assert replacement.alive
    assert killed
    assert after["trigger"]["id"] == before["trigger"]["id"], "the trigger was re-created, not taken over"
    assert after["try_number"] == before["try_number"] == 1

    finish(emulator, execution["id"])
    assert run.wait_end() == "success", f"run_import went through {run.states}"

    ti = run.task()
    assert ti["state"] == "success"
    assert ti["try_number"] == 1
    assert len(requests(emulator, "trigger_v2")) == 1
    assert [e["id"] for e in rest_executions(emulator)] == [execution["id"]]
    assert run.xcom("job_execution_id") == execution["id"]
    assert run.xcom("return_value") == execution["id"]
