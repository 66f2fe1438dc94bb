"""A user marks one deferred task failed through the REST API (the UI's "Mark as failed"): on Airflow 3.3+
the triggerer cancels its trigger "by user action", ``on_kill`` stops that task's Datameer run, and the
other tasks' runs are untouched."""

from __future__ import annotations

import time

from scripts.processes import wait_for
from tests.support import STOPS, requests, requires_airflow, rest_executions
from tests.topology.jobs import HELD_FILE_IDS, POLL_INTERVAL
from tests.topology.support import DEADLINE, MappedRun, assert_datameer_clean, finish_all


@requires_airflow(">=3.3", "BaseTrigger.on_kill is 3.3+")
def test_marking_one_deferred_task_failed_stops_only_its_run(airflow, emulator):
    run = MappedRun.start(airflow.api, "topology_held")
    run.wait_all_deferred()
    time.sleep(POLL_INTERVAL)  # every trigger has polled once
    marked = HELD_FILE_IDS[0]

    run.set_state(0, "failed")

    stops = wait_for(lambda: requests(emulator, *STOPS), timeout=DEADLINE, what="a stop after mark-failed")
    assert [(s["endpoint"], s["job"], s["status"]) for s in stops] == [("stop_v2", str(marked), 200)]
    wait_for(
        lambda: [e["status"] for e in rest_executions(emulator) if e["file_id"] == marked] == ["CANCELED"],
        timeout=DEADLINE,
        what=f"the run of job {marked} CANCELED",
    )
    others = [e for e in rest_executions(emulator) if e["file_id"] != marked]
    assert {e["status"] for e in others} == {"RUNNING"}

    finish_all(emulator, lambda file_id: "COMPLETED")
    states = run.wait_end()

    assert states == {0: "failed", **dict.fromkeys(range(1, len(HELD_FILE_IDS)), "success")}
    assert set(run.tries().values()) == {1}
    assert_datameer_clean(emulator, HELD_FILE_IDS, stopped=(marked,))
