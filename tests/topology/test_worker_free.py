"""Worker-free ``DatameerJobSensor`` tasks (``start_from_trigger=True, end_from_trigger=True``) through the real
scheduler, both triggerers and two Celery workers: each ends as its Datameer run does, and no Celery worker
runs it at all.

The proof is the workers' own logs: a Celery worker logs "Executing workload in Celery" with the task's log
path for every task it is handed. ``twin``, an ordinary deferrable sensor in the same DAG run, must be found
there (else the check could not fail); no ``free_*`` task may be.
"""

from __future__ import annotations

from typing import Any

from scripts.dag_runs import task_instances
from scripts.processes import wait_for
from tests.support import STOPS, requests
from tests.topology.jobs import WORKER_FREE_FILE_IDS, outcome, task_state
from tests.topology.support import DEADLINE, ENDED, TRIGGERS

DAG_ID = "topology_worker_free"
FREE = [f"free_{file_id}" for file_id in WORKER_FREE_FILE_IDS]


def _tis(airflow, run_id: str) -> dict[str, dict[str, Any]]:
    return {ti["task_id"]: ti for ti in task_instances(airflow.api, DAG_ID, run_id)}


def _all(airflow, run_id: str, wanted) -> dict[str, dict[str, Any]] | None:
    tis = _tis(airflow, run_id)
    return tis if len(tis) == len(FREE) + 1 and all(wanted(ti) for ti in tis.values()) else None


def _worker_lines(airflow, run_id: str) -> list[str]:
    """The lines of both Celery workers' logs that hand them a task of this DAG run."""
    marker = f"dag_id={DAG_ID}/run_id={run_id}/"
    return [
        line
        for log in sorted(airflow.home.glob("worker-*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if "Executing workload" in line and marker in line
    ]


def test_worker_free_sensors_never_reach_a_celery_worker(airflow, emulator):
    # the runs the sensors wait for: started outside Airflow (as Datameer's scheduler would), held
    runs = {file_id: emulator.client.trigger_as(file_id) for file_id in WORKER_FREE_FILE_IDS}
    run_id = airflow.api.trigger(DAG_ID)
    held = wait_for(
        lambda: _all(airflow, run_id, lambda ti: ti["state"] == "deferred" and ti.get("triggerer_job")),
        timeout=DEADLINE,
        what=f"every {DAG_ID} task deferred and held by a triggerer",
        interval=1.0,
    )
    holders = {held[task]["triggerer_job"]["hostname"] for task in FREE}
    for file_id, execution_id in runs.items():
        emulator.client.patch_execution(execution_id, finish=outcome(file_id))
    tis = wait_for(
        lambda: _all(airflow, run_id, lambda ti: ti["state"] in ENDED),
        timeout=DEADLINE,
        what=f"every {DAG_ID} task ended",
        interval=1.0,
    )

    assert {task: tis[task]["state"] for task in FREE} == {f"free_{f}": task_state(f) for f in WORKER_FREE_FILE_IDS}
    assert tis["twin"]["state"] == "success"
    assert [task for task in FREE if tis[task].get("hostname")] == [], "a worker-free task has a worker host"
    handed = _worker_lines(airflow, run_id)
    assert any("/task_id=twin/" in line for line in handed), "the workers' logs do not name the deferrable twin"
    assert [line for line in handed if "/task_id=free_" in line] == []
    ok = f"free_{WORKER_FREE_FILE_IDS[0]}"
    summary = airflow.api.xcom(DAG_ID, run_id, ok, "return_value")
    assert summary == airflow.api.xcom(DAG_ID, run_id, "twin", "return_value")
    assert requests(emulator, *TRIGGERS) == []
    assert requests(emulator, *STOPS) == []
    print(f"\nworker-free: {len(FREE)} sensors held by {sorted(holders)}; none handed to a Celery worker")
