"""Example (a) under a real ``airflow standalone``: the run is green, ``run_import`` waited in the triggerer,
and the "Datameer Job" extra link opens the execution it triggered, in the REST API and in the browser."""

from __future__ import annotations

from urllib.parse import quote

from scripts.airflow_stack import EMULATOR_USER
from tests.e2e.browser import rendered_dom, screenshot
from tests.e2e.support import DAG_ID, TASK_ID, TRIGGER_CLASS, RunWatch
from tests.support import requests, rest_executions


def test_trigger_and_wait_defers_and_links_to_the_datameer_run(airflow, emulator, artifacts):
    emulator.client.patch_job(48, run_seconds=15)  # long enough to see run_import deferred
    run = RunWatch.start(airflow.api)

    assert run.wait_end() == "success", f"run_import went through {run.states}"

    assert run.task()["state"] == "success"
    assert run.task("report")["state"] == "success"
    assert "deferred" in run.states, f"run_import never seen deferred: {run.states}"
    triggers = {view["trigger"]["classpath"] for view in run.deferred_views if view["trigger"]}
    assert triggers == {TRIGGER_CLASS}
    triggerers = {view["triggerer_job"]["job_type"] for view in run.deferred_views if view["triggerer_job"]}
    assert triggerers == {"TriggererJob"}, run.deferred_views

    (execution,) = rest_executions(emulator)
    assert len(requests(emulator, "trigger_v2")) == 1
    assert execution["status"] == "COMPLETED"
    assert run.xcom("job_execution_id") == execution["id"]
    datameer_url = f"{emulator.url}/file-job?jobExecutionId={execution['id']}"
    assert run.links() == {"Datameer Job": datameer_url}
    assert run.xcom("job_url") == datameer_url
    assert run.xcom("return_value", task_id="report")["records"] == 494400
    leaks = [str(p) for p in airflow.home.rglob("*.log") if EMULATOR_USER[1] in p.read_text(errors="replace")]
    assert not leaks, "the Datameer password is in these logs"

    task_page = f"{airflow.url}/dags/{DAG_ID}/runs/{quote(run.run_id, safe='')}/tasks/{TASK_ID}"
    screenshot(f"{airflow.url}/dags/{DAG_ID}/runs/{quote(run.run_id, safe='')}", artifacts / "grid.png")
    screenshot(f"{task_page}/details", artifacts / "task-details.png")
    screenshot(task_page, artifacts / "task-log.png")
    dom = rendered_dom(f"{task_page}/details")
    assert f'href="{datameer_url}"' in dom, "the UI's task details show no link to the Datameer run"
    assert "Datameer Job" in dom
