"""Run DAGs of a folder of our own on a throwaway ``airflow standalone`` and read back what every task did.

Shared by the worker-free e2e test and the benchmarks that need a real scheduler and triggerer
(benchmarks/defer_race.py, benchmarks/p5_triggerer_cost.py). The stack and the emulator are started and
stopped by PID (scripts/airflow_stack.py); pointing these at another deployment means another ``api``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from airflow_provider_datameer.emulator import EmulatorProcess
from scripts.airflow_api import AirflowApi, AirflowApiError
from scripts.airflow_stack import EMULATOR_USER, AirflowStack
from scripts.processes import wait_for

#: a worker waits this long for the execution API (default 5 s): on a loaded machine with SQLite the first
#: ``/run`` call can take longer, and its retries then fail the task ("already running")
SLOW_MACHINE = {"AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60"}
FINISHED = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})


@contextmanager
def standalone(
    home: Path, dags_folder: Path, *, jobs_file: Path | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[AirflowStack, EmulatorProcess]]:
    """A Datameer emulator (``jobs_file``) and ``airflow standalone`` over ``dags_folder``, both healthy."""
    user = ["--user", ":".join(EMULATOR_USER)]
    with EmulatorProcess(jobs_file=jobs_file, extra_args=user) as emulator:
        env = {"AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder), **SLOW_MACHINE, **(settings or {})}
        with AirflowStack(home, emulator.url, settings=env) as stack:
            stack.wait_ready(timeout=900)  # minutes on a loaded 2-core machine
            yield stack, emulator


def start_runs(api: AirflowApi, dag_ids: Iterable[str], *, timeout: float = 300) -> dict[str, str]:
    """Wait until each DAG is parsed, unpause it and start one manual run; returns dag_id -> run_id."""
    runs = {}
    for dag_id in dag_ids:
        wait_for(lambda d=dag_id: api.dag(d), timeout=timeout, what=f"{dag_id} parsed", retry_on=(AirflowApiError,))
        api.set_paused(dag_id, False)
        runs[dag_id] = api.trigger(dag_id)
    return runs


def task_instances(api: AirflowApi, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """Every task instance of one run (mapped ones included), as the REST API shows them."""
    path = f"dags/{quote(dag_id)}/dagRuns/{quote(run_id, safe='')}/taskInstances"
    found: list[dict[str, Any]] = []
    while True:
        page = api.call("GET", path, limit=100, offset=len(found))
        found += page["task_instances"]
        if len(found) >= page["total_entries"] or not page["task_instances"]:
            return found


def wait_finished(api: AirflowApi, runs: Mapping[str, str], *, timeout: float, interval: float = 2.0) -> float:
    """Until every run's state is success or failed; returns the seconds it took."""
    started = time.time()
    pending = dict(runs)

    def all_done() -> bool:
        for dag_id, run_id in list(pending.items()):
            if api.dag_run(dag_id, run_id)["state"] in ("success", "failed"):
                del pending[dag_id]
        return not pending

    wait_for(all_done, timeout=timeout, what=f"{len(runs)} DAG runs finished", interval=interval)
    return time.time() - started


def states(api: AirflowApi, runs: Mapping[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(dag_id, task_id[/map_index]) -> task instance, for every task of every run."""
    found = {}
    for dag_id, run_id in runs.items():
        for ti in task_instances(api, dag_id, run_id):
            key = ti["task_id"] if ti.get("map_index", -1) < 0 else f"{ti['task_id']}/{ti['map_index']}"
            found[(dag_id, key)] = ti
    return found
