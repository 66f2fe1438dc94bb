"""F12: a user marks the deferred ``run_import`` failed (REST PATCH, as the UI's "Mark as failed" does).

On Airflow 3.3+ the triggerer cancels the trigger "by user action" and calls ``DatameerJobTrigger.on_kill``;
``DatameerTriggerJobOperator`` defers with ``stop_on_kill=True``, so the Datameer run must be stopped.
"""

from __future__ import annotations

from scripts.processes import wait_for
from tests.e2e.support import DAG_ID, DEADLINE, TASK_ID, RunWatch, long_job
from tests.support import STOPS, requests, requires_airflow, rest_executions


@requires_airflow(">=3.3", "BaseTrigger.on_kill is called from Airflow 3.3")
def test_marking_the_deferred_task_failed_stops_the_datameer_run(airflow, emulator):
    long_job(emulator)
    run = RunWatch.start(airflow.api)
    run.wait_deferred_and_polling(emulator)
    (execution,) = rest_executions(emulator)
    assert not requests(emulator, *STOPS)

    airflow.api.set_task_state(DAG_ID, run.run_id, TASK_ID, "failed")

    stops = wait_for(
        lambda: requests(emulator, *STOPS), timeout=DEADLINE, what="a stop request after mark-failed", interval=0.5
    )
    assert [s["status"] for s in stops] == [200], stops
    assert stops[0]["endpoint"] == "stop_v2"
    assert stops[0]["job"] == "48"
    assert wait_for(
        lambda: rest_executions(emulator)[0]["status"] == "CANCELED", timeout=DEADLINE, what="execution CANCELED"
    )
    assert rest_executions(emulator)[0]["id"] == execution["id"]
    assert run.wait_end() == "failed"
    assert run.task()["state"] == "failed"  # the user's verdict stands: no trigger event overwrote it
    assert len(requests(emulator, "trigger_v2")) == 1
