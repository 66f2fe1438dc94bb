"""The Datameer page, its JSON and the task tab: access, recorded facts, live status, outage, bounded polling."""

from __future__ import annotations

import base64
import threading
import time

import pytest

from tests.support import AIRFLOW_VERSION, LONG, PASSWORD, WARNINGS, finished_run, logged, requires_airflow, running_run
from tests.ui.support import Task, write

pytestmark = requires_airflow(">=3.1", "the page is an Airflow 3.1+ plugin")

SECRET = "s3cr3t-Pa55"


def runs(client, token, **params) -> list[dict]:
    answer = client.get("/api/runs", params=params, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["runs"]


@pytest.mark.parametrize("path", ["/", "/api/runs", "/task?dag_id=d&run_id=r&task_id=t", "/icon.svg"])
def test_every_route_refuses_a_request_without_a_valid_token(client, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer not-a-jwt"}).status_code == 403


def test_the_ui_cookie_is_enough(client, token):
    """The nav and task tab iframes send the UI's ``_token`` cookie, no Authorization header."""
    write([Task("cookie_dag", "run", execution_id=5, ended_minutes_ago=1, state="success")])
    client.cookies.set("_token", token)
    page = client.get("/")
    assert page.status_code == 200
    assert "cookie_dag" in page.text


def test_rows_of_dags_the_user_may_not_read_are_not_shown(client, token, auth_manager, monkeypatch):
    write(
        [
            Task("visible_dag", "run", state="success", execution_id=1, ended_minutes_ago=5),
            Task("hidden_dag", "run", state="success", execution_id=2, ended_minutes_ago=5),
        ]
    )
    assert {r["dag_id"] for r in runs(client, token)} == {"visible_dag", "hidden_dag"}

    # The auth manager's answer is Airflow's part: it now grants one DAG only.
    monkeypatch.setattr(auth_manager, "get_authorized_dag_ids", lambda **kw: {"visible_dag"})
    monkeypatch.setattr(auth_manager, "is_authorized_dag", lambda **kw: kw["details"].id == "visible_dag")
    assert [r["dag_id"] for r in runs(client, token)] == ["visible_dag"]
    headers = {"Authorization": f"Bearer {token}"}
    assert "hidden_dag" not in client.get("/", headers=headers).text
    tab = client.get("/task", params={"dag_id": "hidden_dag", "run_id": "manual__1", "task_id": "run"}, headers=headers)
    assert tab.status_code == 403


def test_a_run_in_flight_shows_datameer_live_status_and_links(client, token, emulator, datameer_conn):
    execution_id = running_run(emulator)
    url = f"{emulator.url}/browse/{execution_id}"
    write([Task("flight", "run", state="deferred", job_id=LONG, execution_id=execution_id, job_url=url)])

    (row,) = runs(client, token)
    assert (row["live"], row["datameer_status"], row["execution_id"]) == ("live", "RUNNING", execution_id)
    assert row["progress"] is not None
    assert row["airflow_url"] == "/dags/flight/runs/manual__1/tasks/run"
    page = client.get("/", headers={"Authorization": f"Bearer {token}"}).text
    assert f'href="{url}"' in page
    assert "RUNNING" in page
    basic = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()  # the connection's Authorization header
    assert basic not in page
    assert basic not in str(row)


def test_ended_runs_show_counters_and_warnings_as_warnings(client, token, emulator, datameer_conn):
    execution_id = finished_run(emulator, WARNINGS)
    recorded = {"status": "COMPLETED_WITH_WARNINGS", "success_count": 990, "failure_count": 10}
    ended = Task("ended", "run", state="success", job_id=WARNINGS, execution_id=execution_id, ended_minutes_ago=3)
    if AIRFLOW_VERSION.release >= (3, 3):
        ended.outcome = recorded
    else:  # no task state store: the sensor-style summary XCom carries the outcome
        ended.extra_xcom = {"return_value": recorded}
    old = Task("old", "run", state="success", job_id=WARNINGS, execution_id=execution_id, ended_minutes_ago=60 * 30)
    write([ended, old])

    (row,) = runs(client, token)
    assert (row["dag_id"], row["outcome"], row["records"], row["failures"]) == ("ended", recorded["status"], 990, 10)
    assert row["live"] == "recorded"  # nothing asked of Datameer for a run whose outcome is recorded
    page = client.get("/", headers={"Authorization": f"Bearer {token}"}).text
    assert '<span class="pill warn">COMPLETED_WITH_WARNINGS</span>' in page
    assert {r["dag_id"] for r in runs(client, token, hours=48)} == {"ended", "old"}


def test_a_datameer_outage_mid_view_shows_unreachable_rows_not_an_error(client, token, emulator, datameer_conn, live):
    live.ttl = 0.3
    execution_id = running_run(emulator)
    write([Task("outage", "run", state="running", job_id=LONG, execution_id=execution_id)])
    assert runs(client, token)[0]["live"] == "live"

    emulator.client.add_fault(kind="reset")  # every Datameer request from now on: connection dropped
    time.sleep(0.4)
    page = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200
    assert '<span class="live unreachable">unreachable</span>' in page.text
    assert runs(client, token)[0]["live"] == "unreachable"


def test_a_broken_connection_shows_unreachable(client, token, emulator, datameer_conn):
    datameer_conn("broken", password=SECRET, api_version="seven")
    write([Task("broken", "run", state="running", conn_id="broken", job_id=LONG, execution_id=1)])
    (row,) = runs(client, token, conn_id="broken")
    assert row["live"] == "unreachable"
    assert SECRET not in str(row)


def test_the_task_tab_shows_the_run_and_the_jobs_recent_executions(client, token, emulator, datameer_conn):
    first = finished_run(emulator, LONG)
    execution_id = running_run(emulator)
    write([Task("tab", "run", state="running", job_id=LONG, execution_id=execution_id)])
    headers = {"Authorization": f"Bearer {token}"}
    # what Airflow's UI requests for a task that is not mapped: the placeholder stays
    params = {"dag_id": "tab", "run_id": "manual__1", "task_id": "run", "map_index": "{MAP_INDEX}"}
    page = client.get("/task", params=params, headers=headers).text
    assert "Datameer run of run" in page
    assert "Recent executions" in page
    assert f"<td>{first}</td>" in page

    write([Task("tab", "not_datameer", run_id="manual__2", operator="BashOperator")])
    other = client.get("/task", params={**params, "task_id": "not_datameer", "run_id": "manual__2"}, headers=headers)
    assert other.status_code == 200
    assert "is not a Datameer task" in other.text


def peak_concurrency(entries: list[dict], delay: float) -> int:
    """The most requests the emulator served at once: each logged at its answer, ``delay`` after it arrived."""
    ends = sorted(e["time"] for e in entries)
    return max(sum(1 for other in ends if end - delay * 0.9 < other <= end) for end in ends)


def test_200_runs_in_flight_cost_bounded_datameer_requests(client, token, emulator, datameer_conn, live):
    emulator.client.patch_job(LONG, queue_seconds=0, run_seconds=600)
    ids = [emulator.client.trigger_as(LONG) for _ in range(200)]
    write(
        [Task(f"fleet_{i % 10}", f"run_{i}", state="running", job_id=LONG, execution_id=x) for i, x in enumerate(ids)]
    )
    emulator.client.clear_requests()
    delay = 0.02
    emulator.client.add_fault(kind="delay", seconds=delay)

    first = runs(client, token)
    asked = logged(emulator)
    assert len(first) == 200
    assert all(r["live"] == "live" for r in first)
    # one status for the job (shared by its 200 rows), details for the 199 executions it is not about
    assert len(asked) <= 200
    assert peak_concurrency(asked, delay) <= live.per_connection

    # ten browsers refreshing within the cache's lifetime: no further request
    threads = [threading.Thread(target=runs, args=(client, token)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(logged(emulator)) == len(asked)
