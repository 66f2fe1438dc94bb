"""The connection extra ``endpoints`` end to end: a real ``airflow dags test`` against an emulator whose
V2 trigger, sequential trigger and V2 stop live elsewhere (its ``routes`` switch, the same shape)."""

from __future__ import annotations

import pytest

from tests.support import FAST, REPO

ROUTES = REPO / "tests" / "dags" / "routes"
MOVED = {
    "trigger_v2": {"path": "/api/job-execution/{job}/trigger", "method": "PUT"},  # same path, other method: 405
    "trigger_sequential": "/api/v2/jobs/{job}/enqueue",  # another path: 404 at the old one
    "stop_v2": {"path": "/api/v2/jobs/{job}/halt", "method": "PUT"},
}


@pytest.fixture
def moved(emulator):
    emulator.client.set_switches(routes=MOVED)
    emulator.client.patch_job(48, **FAST)
    return emulator


@pytest.mark.dags
def test_the_override_lets_the_dag_run_at_the_moved_routes(dags_test, moved):
    run = dags_test("datameer_moved_routes", dags_folder=ROUTES, endpoints=MOVED)
    assert run.state == "success", run.output[-4000:]
    sent = {(r["endpoint"], r["method"], r["path"], r["status"]) for r in moved.client.requests()}
    assert ("trigger_v2", "PUT", "/api/job-execution/48/trigger", 200) in sent
    assert ("trigger_v2", "PUT", "/api/job-execution/63/trigger", 200) in sent
    assert ("trigger_sequential", "POST", "/api/v2/jobs/63/enqueue", 200) in sent
    assert ("stop_v2", "PUT", "/api/v2/jobs/63/halt", 200) in sent
    assert all(r["status"] < 400 for r in moved.client.requests())


@pytest.mark.dags
def test_without_the_override_the_dag_fails_naming_it(dags_test, moved):
    run = dags_test("datameer_moved_routes", dags_folder=ROUTES)
    assert run.state == "failed", run.output[-4000:]
    for fragment in (
        "does not accept POST on /api/job-execution/48/trigger (Allow: PUT)",
        "connection extra 'endpoints'",
        '{"trigger_v2": {"path": "/api/job-execution/{job}/trigger", "method": "PUT"}}',
    ):
        assert fragment in run.output
    assert "Check the identifiers" not in run.output
