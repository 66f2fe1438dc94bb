"""Airflow's defer race, with and without the provider's hold: how many tasks does it fail?

On Airflow 3.2-3.3 a deferred task whose trigger fires within seconds of the deferral can be failed by the
stale "success" the executor reports for the worker that exited to defer (apache/airflow#66374, #72716,
#71580). The provider holds a trigger's terminal event until ``[datameer] defer_settle_seconds`` after the
deferral (airflow_provider_datameer/settle.py). This runs one DAG of ``--tasks`` mapped deferrable
DatameerTriggerJobOperator tasks, each on its own emulator job that ends ``--run-seconds`` after its
trigger, under a fresh Airflow once per ``--settle`` value (0 = the hold off), and counts the tasks that
failed and the scheduler's "state mismatch" lines. ``--target standalone``: ``airflow standalone``
(LocalExecutor, SQLite); ``--target topology``: the production layout of scripts/topology.py (Postgres,
Redis, scheduler, dag-processor, api-server, two Celery workers, two triggerers; run it with the
``.venv-topology`` interpreter, ``make topology-venv``).

    python benchmarks/defer_race.py [--tasks 60] [--run-seconds 1] [--settle 0 10] [--rounds 1]
                                    [--target standalone|topology] [--json]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchlib.airflow_runs import airflow_with, count_in_logs, load_average, topology_with
from benchlib.report import Report

from scripts.dag_runs import start_runs, states, wait_finished

DAG_ID = "datameer_defer_race"
FIRST_FILE_ID = 5000
#: the scheduler's line when it fails a task over a stale executor event
MISMATCH = r"finished with state success, but the task instance's state attribute is"

TARGETS = {
    "standalone": "airflow standalone (LocalExecutor, SQLite)",
    "topology": "scripts/topology.py (CeleryExecutor, 2 workers, 2 triggerers, Postgres, Redis)",
}

DAG_SOURCE = '''"""{tasks} mapped deferrable Datameer runs that each end about {run_seconds} s after their trigger."""
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

with DAG(dag_id="{dag_id}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    DatameerTriggerJobOperator.partial(
        task_id="run", deferrable=True, poll_interval=5, timeout=600, retries=0
    ).expand(job_id=list(range({first}, {first} + {tasks})))
'''


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", type=int, default=60)
    p.add_argument("--run-seconds", type=float, default=1.0, help="each job runs this long after its trigger")
    p.add_argument("--settle", type=float, nargs="+", default=[0.0, 10.0], help="hold values to compare; 0 = off")
    p.add_argument("--rounds", type=int, default=1, help="fresh Airflow per round and hold value")
    p.add_argument("--parallelism", type=int, default=16, help="[core] parallelism (LocalExecutor workers)")
    p.add_argument("--target", choices=["standalone", "topology"], default="standalone")
    p.add_argument("--print-dag", action="store_true", help="print the DAG file and exit")
    p.add_argument("--json", action="store_true")
    return p.parse_args(argv)


def dag_source(args: argparse.Namespace) -> str:
    return DAG_SOURCE.format(tasks=args.tasks, run_seconds=args.run_seconds, dag_id=DAG_ID, first=FIRST_FILE_ID)


def jobs(args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {
            "file_id": FIRST_FILE_ID + i,
            "configuration_id": FIRST_FILE_ID + i,
            "path": f"/Bench/race_{i}.imp",
            "type": "import",
            "queue_seconds": 0,
            "run_seconds": args.run_seconds,
        }
        for i in range(args.tasks)
    ]


def one_round(args: argparse.Namespace, settle: float) -> dict[str, Any]:
    settings = {
        "AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS": f"{settle:g}",
        "AIRFLOW__CORE__PARALLELISM": str(args.parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(args.tasks),
    }
    airflow = topology_with if args.target == "topology" else airflow_with
    with airflow({"defer_race.py": dag_source(args)}, jobs(args), settings) as (stack, emulator, root):
        load_before = load_average()
        runs = start_runs(stack.api, [DAG_ID])
        took = wait_finished(stack.api, runs, timeout=1800)
        by_state: dict[str, int] = {}
        for ti in states(stack.api, runs).values():
            by_state[ti["state"]] = by_state.get(ti["state"], 0) + 1
        triggers = [r for r in emulator.client.requests() if r["endpoint"] == "trigger_v2"]
        return {
            "settle_s": settle,
            "states": by_state,
            "failed": by_state.get("failed", 0),
            "mismatch_lines": count_in_logs(root / "home", MISMATCH),
            "datameer_triggers": len(triggers),
            "run_s": took,
            "load": f"{load_before} -> {load_average()}",
        }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.print_dag:
        print(dag_source(args))
        return
    report = Report(
        "defer-race",
        "tasks failed by Airflow's defer race, provider hold off vs on",
        settings={
            "tasks": args.tasks,
            "run_seconds": args.run_seconds,
            "target": TARGETS[args.target],
            "parallelism": args.parallelism,
        },
    )
    results = []
    started = time.time()
    for round_no in range(args.rounds):
        for settle in args.settle:
            result = one_round(args, settle)
            result["round"] = round_no + 1
            results.append(result)
    report.table(
        "per round",
        ["round", "hold (s)", "tasks", "failed", "state-mismatch lines", "Datameer triggers", "run (s)", "load avg"],
        [
            [
                r["round"],
                r["settle_s"],
                sum(r["states"].values()),
                r["failed"],
                r["mismatch_lines"],
                r["datameer_triggers"],
                f"{r['run_s']:.0f}",
                r["load"],
            ]
            for r in results
        ],
    )
    report.notes.append(
        "failed = task instances in state failed at the end (retries=0); mismatch lines = the "
        "scheduler's 'finished with state success, but ...' lines (the race's signature)"
    )
    report.notes.append(f"total wall time {time.time() - started:.0f} s")
    report.data["rounds"] = results
    report.emit(args.json)


if __name__ == "__main__":
    main()
