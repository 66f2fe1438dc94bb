"""P7 — the Datameer page's cost: answering ``GET /datameer/api/runs`` for N Datameer runs in flight.

One process, one migrated SQLite AIRFLOW_HOME, Airflow's own API app (``create_app()``, SimpleAuthManager with
all users admins, our plugin mounted by Airflow as in the API server) and the emulator on loopback. For each N,
N task instances of ``DatameerTriggerJobOperator`` are running, each on its own emulator execution of one job.
Printed per N: seconds to answer with an empty cache (Datameer asked), with a warm cache (a refresh within the
5 s TTL), and the Datameer requests each made; beside them Airflow's own list call
``GET /api/v2/dags/~/dagRuns/~/taskInstances`` over the same database (``limit`` = N). Figures only.

    python benchmarks/p7_ui_page.py [--n 200 1000] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _isolate() -> Path:
    """AIRFLOW_HOME and the settings, before anything imports Airflow."""
    home = Path(tempfile.mkdtemp(prefix="p7-ui-"))
    os.environ.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
    )
    sys.path.insert(0, str(REPO))
    return home


def timed_get(client, path: str, **params) -> tuple[float, int, list]:
    """Seconds, HTTP status and the items of one GET."""
    started = time.perf_counter()
    answer = client.get(path, params=params)
    seconds = time.perf_counter() - started
    body = answer.json() if answer.status_code == 200 else {}
    return seconds, answer.status_code, body.get("runs", body.get("task_instances", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    home = _isolate()

    from benchlib.report import Report

    from airflow_provider_datameer.emulator import EmulatorServer
    from tests.support import LONG, connection_json, migrate
    from tests.ui.support import Task, clear, write

    migrate(home)
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    report = Report("p7_ui_page", "The Datameer page vs Airflow's task instance list, N runs in flight")
    rows = []
    with EmulatorServer(port=0) as emulator, TestClient(create_app()) as client:
        os.environ["AIRFLOW_CONN_DATAMEER_DEFAULT"] = connection_json(emulator.url)
        emulator.client.patch_job(LONG, queue_seconds=0, run_seconds=3600)
        for n in args.n:
            clear()
            emulator.client.reset()
            emulator.client.patch_job(LONG, queue_seconds=0, run_seconds=3600)
            ids = [emulator.client.trigger_as(LONG) for _ in range(n)]
            write([Task(f"dag_{i % 20}", "run", f"run_{i}", job_id=LONG, execution_id=x) for i, x in enumerate(ids)])
            emulator.client.clear_requests()
            time.sleep(5.5)  # the previous N's answers expire
            cold = timed_get(client, "/datameer/api/runs", limit=n)
            cold_requests = emulator.client.counters()["total"]
            warm = timed_get(client, "/datameer/api/runs", limit=n)
            warm_requests = emulator.client.counters()["total"] - cold_requests
            peer = timed_get(client, "/api/v2/dags/~/dagRuns/~/taskInstances", limit=n)
            live = sum(1 for run in cold[2] if run["live"] == "live")
            rows.append([n, f"{cold[0]:.2f}", cold_requests, live, f"{warm[0]:.2f}", warm_requests, f"{peer[0]:.2f}"])
            for answer in (cold, warm, peer):
                assert answer[1] == 200, answer
    report.table(
        "GET /datameer/api/runs (empty and warm cache) beside GET /api/v2/dags/~/dagRuns/~/taskInstances",
        ["N in flight", "page s (cold)", "Datameer requests", "rows live (rest pending)", "page s (warm)",
         "Datameer requests", "Airflow list s"],
        rows,
    )  # fmt: skip
    report.settings.update(n=args.n, ttl_seconds=5.0, per_connection=4, database="sqlite")
    report.notes.append(
        "One job with N executions: one V2 status request serves every row; the executions it is not about are "
        "read with one job-details request each (4 at a time). A refresh within the TTL asks Datameer nothing."
    )
    report.emit(args.json)


if __name__ == "__main__":
    main()
