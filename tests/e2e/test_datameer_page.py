"""The Datameer page (issue 22) in a real ``airflow standalone``: example (a)'s deferred run is listed with its
live Datameer status and progress, the task's Datameer tab shows it, and once the run ends with warnings the
page says so. The JSON (``/datameer/api/runs``) is read as a script would; screenshots are in artifacts/e2e/."""

from __future__ import annotations

import requests as http

from scripts.processes import wait_for
from tests.e2e.browser import rendered_dom, screenshot
from tests.e2e.support import DEADLINE, TASK_ID, RunWatch
from tests.support import rest_executions


def listed(airflow, run: RunWatch) -> dict | None:
    """The page's JSON row of example (a)'s ``run_import`` in this run, if listed."""
    answer = http.get(f"{airflow.url}/datameer/api/runs", params={"dag_id": run.dag_id}, timeout=30)
    answer.raise_for_status()
    rows = [r for r in answer.json()["runs"] if (r["run_id"], r["task_id"]) == (run.run_id, TASK_ID)]
    return rows[0] if rows else None


def test_the_page_shows_a_deferred_run_live_then_its_end_with_warnings(airflow, emulator, artifacts):
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=120)
    run = RunWatch.start(airflow.api)
    run.wait_deferred_and_polling(emulator)
    (execution,) = rest_executions(emulator)

    def moving() -> dict | None:
        row = listed(airflow, run)
        return row if row and row["datameer_status"] == "RUNNING" and (row["progress"] or 0) > 0 else None

    row = wait_for(moving, timeout=DEADLINE, what="the page showing the run's progress", interval=1.0)
    assert (row["execution_id"], row["state"], row["job_id"]) == (execution["id"], "deferred", "48")
    assert row["live"] == "live"
    assert row["job_url"] == f"{emulator.url}/file-job?jobExecutionId={execution['id']}"
    screenshot(f"{airflow.url}/plugin/datameer", artifacts / "datameer-page-running.png")
    dom = rendered_dom(f"{airflow.url}/datameer/")
    assert "RUNNING" in dom
    assert f"jobExecutionId={execution['id']}" in dom
    tab = f"{run.page(airflow.url)}/plugin/datameer-task"
    screenshot(tab, artifacts / "datameer-task-tab.png")

    emulator.client.patch_execution(execution["id"], finish="COMPLETED_WITH_WARNINGS")
    assert run.wait_end() == "success", f"run_import went through {run.states}"
    ended = wait_for(
        lambda: (r := listed(airflow, run)) and r["state"] == "success" and r, timeout=DEADLINE, what="ended row"
    )
    assert ended["datameer_status"] == "COMPLETED_WITH_WARNINGS", ended
    screenshot(f"{airflow.url}/plugin/datameer", artifacts / "datameer-page-warnings.png")
    assert "COMPLETED_WITH_WARNINGS" in rendered_dom(f"{airflow.url}/datameer/?hours=1")
