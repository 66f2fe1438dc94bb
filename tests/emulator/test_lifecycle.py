"""Lifecycle, trigger/stop semantics, identifiers and routing errors over real HTTP."""

from __future__ import annotations

import pytest

from tests.emulator.support import IMPORT, LONG, QUEUE, SEEDED, WARN

ORDER = ["_NONE", "QUEUED", "WAITING_FOR_OTHER_JOB", "RUNNING", "COMPLETED"]


def test_lifecycle_moves_forward_to_completed(api, wait):
    exec_id = api.trigger(IMPORT)
    seen = []

    def record():
        body = api.status(IMPORT)
        assert body["job-execution-id"] == exec_id
        if not seen or seen[-1] != body["job-status"]:
            seen.append(body["job-status"])
        return body

    wait(record, lambda b: b["job-status"] == "COMPLETED")
    assert seen[0] in ("QUEUED", "RUNNING", "COMPLETED")
    assert seen == sorted(seen, key=ORDER.index), seen


def test_trigger_while_running_queues_behind_by_default(api, wait):
    first = api.trigger(LONG)
    second = api.trigger(LONG)
    assert second > first
    body = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "WAITING_FOR_OTHER_JOB")
    assert body["job-execution-id"] == second
    assert body["start-time"] is None
    api.post(f"/rest/job-execution/job-kill/{first}")  # the run in front ends: the queued one starts
    body = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    assert body["job-execution-id"] == second
    assert api.details(first)["jobStatus"] == "CANCELED"


def test_trigger_while_running_existing_and_fail(api, emu):
    first = api.trigger(LONG)
    emu.client.set_switches(trigger_while_running="existing")
    assert api.trigger(LONG) == first
    v1 = api.post("/rest/job-execution?configuration=55")
    assert (v1.status_code, v1.json()) == (200, {"id": first})
    emu.client.set_switches(trigger_while_running="fail")
    response = api.post(f"/api/job-execution/{LONG}/trigger")
    assert response.status_code == 409
    assert response.json() == {"status": "failure", "reason": "Job is already running"}
    assert api.post("/rest/job-execution?configuration=55").status_code == 409
    api.post(f"/api/job-execution/{LONG}/stop")
    assert api.trigger(LONG) > first  # nothing active any more: a normal trigger


def test_sequential_trigger_always_queues_behind(api, emu, wait):
    emu.client.set_switches(trigger_while_running="fail")
    idle = api.post(f"/api/job-execution/{IMPORT}/sequential-trigger")
    assert idle.status_code == 200
    assert idle.json()["job-execution-trigger"] == "RESTAPI"
    first = api.trigger(LONG)
    response = api.post(f"/api/job-execution/{LONG}/sequential-trigger")
    assert response.status_code == 200
    second = response.json()["job-execution-id"]
    assert list(response.json()) == ["status", "job-execution-id", "job-execution-user", "job-execution-trigger"]
    body = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "WAITING_FOR_OTHER_JOB")
    assert body["job-execution-id"] == second > first


def test_v1_trigger(api, wait):
    response = api.post("/rest/job-execution?configuration=41")
    assert response.status_code == 200
    exec_id = response.json()["id"]
    assert list(response.json()) == ["id"]
    assert wait(lambda: api.status(IMPORT), lambda b: b["job-status"] == "COMPLETED")["job-execution-id"] == exec_id
    assert api.post("/rest/job-execution/?configuration=41").status_code == 200  # slash variant
    assert api.post("/rest/job-execution?configuration=999").status_code == 404
    assert api.post("/rest/job-execution?configuration=abc").status_code == 400
    assert api.post("/rest/job-execution").status_code == 400


def test_v2_stop_cancels_every_active_run_and_is_idempotent(api, emu):
    first, second = api.trigger(LONG), api.trigger(LONG)
    response = api.post(f"/api/job-execution/{LONG}/stop")
    assert (response.status_code, response.content) == (200, b"")
    assert api.details(first)["jobStatus"] == api.details(second)["jobStatus"] == "CANCELED"
    again = api.post(f"/api/job-execution/{LONG}/stop")
    assert (again.status_code, again.content) == (200, b"")
    emu.client.set_switches(stop_http_code=204)
    api.trigger(LONG)
    response = api.post(f"/api/job-execution/{LONG}/stop")
    assert (response.status_code, response.content) == (204, b"")


def test_stop_when_idle_failure(api, emu):
    emu.client.set_switches(stop_when_idle="failure")
    response = api.post(f"/api/job-execution/{IMPORT}/stop")
    assert response.status_code == 409
    assert response.json() == {"status": "failure", "reason": f"No running job execution for file {IMPORT}"}
    exec_id = api.trigger(QUEUE)
    assert api.post(f"/rest/job-execution/job-kill/{exec_id}").status_code == 200
    killed_again = api.post(f"/rest/job-execution/job-kill/{exec_id}")
    assert killed_again.status_code == 409
    assert "error" in killed_again.json()
    emu.client.set_switches(stop_when_idle="ok")
    assert api.post(f"/rest/job-execution/job-kill/{exec_id}").status_code == 200


def test_job_kill_stops_one_execution(api):
    first, second = api.trigger(LONG), api.trigger(LONG)
    assert api.post(f"/rest/job-execution/job-kill/{second}").status_code == 200
    assert api.details(second)["jobStatus"] == "CANCELED"
    assert api.details(first)["jobStatus"] in ("QUEUED", "RUNNING")
    assert api.post("/rest/job-execution/job-kill/987654").status_code == 404


def test_seeded_history_is_visible_before_any_trigger(api):
    body = api.status(SEEDED)
    assert body["job-status"] == "COMPLETED"
    assert body["stop-time"] is not None
    history = api.get("/rest/job-configuration/job-history/59?start=0&length=10").json()
    assert [h["jobStatus"] for h in history] == ["COMPLETED", "ERROR"]
    assert history[0]["id"] > history[1]["id"]
    assert api.trigger(SEEDED) > history[0]["id"]


IDENTIFIERS = [
    "60",
    "3b8e5d2c-7f14-4a90-8c6b-1d2e3f4a5b60",
    "3B8E5D2C-7F14-4A90-8C6B-1D2E3F4A5B60",
    "%2FAnalytics%2FMy%20Workbooks%2Fsales_wb.wbk",
    "%2FAnalytics%2FMy%20Workbooks%2Fsales_wb",
    "%2fAnalytics%2fMy%20Workbooks%2fsales_wb",
]


@pytest.mark.parametrize("ident", IDENTIFIERS)
def test_identifier_encodings(api, emu, ident):
    exec_id = api.trigger(ident)
    body = api.status(ident)
    assert (body["file-id"], body["job-execution-id"]) == (WARN, exec_id)
    logged = emu.client.requests(endpoint="status_v2")[-1]
    assert logged["path"].lower() == f"/api/job-execution/{ident}/status".lower()  # requests upper-cases %xx
    assert logged["job"] in ("60", "/Analytics/My Workbooks/sales_wb.wbk", "/Analytics/My Workbooks/sales_wb") or (
        logged["job"].lower() == "3b8e5d2c-7f14-4a90-8c6b-1d2e3f4a5b60"
    )


def test_unencoded_path_does_not_route(api):
    assert api.get("/api/job-execution//Analytics/sales_wb/status").status_code == 404


def test_reject_encoded_slash(api, emu):
    emu.client.set_switches(reject_encoded_slash=True)
    assert api.get(f"/api/job-execution/{IDENTIFIERS[3]}/status").status_code == 400
    assert api.get("/api/job-execution/60/status").status_code == 200


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/rest/job-configuration/job-status/abc", "GET"),
        ("/rest/job-configuration/job-status/-5", "GET"),
        ("/rest/job-configuration/job-history/4.1", "GET"),
        ("/rest/job-configuration/job-history/41?start=-1&length=2", "GET"),
        ("/rest/job-configuration/job-history/41?start=0&length=x", "GET"),
        ("/rest/job-execution/job-details/xyz", "GET"),
        ("/rest/job-execution/job-kill/-1", "POST"),
        ("/rest/data/one", "DELETE"),
    ],
)
def test_malformed_v1_ids_are_400_error_bodies(api, path, method):
    response = api.request(method, path)
    assert response.status_code == 400
    assert list(response.json()) == ["error"]


@pytest.mark.parametrize("ident", ["-5", "abc", "12ab", "%20"])
def test_malformed_v2_ids_are_400_failure_bodies(api, ident):
    response = api.get(f"/api/job-execution/{ident}/status")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["status", "reason"]
    assert body["status"] == "failure"


def test_unknown_ids(api):
    assert api.get("/rest/job-configuration/job-status/999").status_code == 404
    assert api.get("/rest/job-configuration/job-history/999").json() == {"error": "No job configuration with id 999"}
    assert api.get("/rest/job-execution/job-details/999").status_code == 404
    for ident in ("999", "00000000-0000-0000-0000-000000000000", "%2Fno%2Fsuch.wbk"):
        assert api.get(f"/api/job-execution/{ident}/status").status_code == 404
        assert api.post(f"/api/job-execution/{ident}/trigger").json()["status"] == "failure"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/job-execution/48/status"),
        ("GET", "/api/job-execution/48/trigger"),
        ("GET", "/api/job-execution/48/stop"),
        ("PUT", "/api/job-execution/48/sequential-trigger"),
        ("GET", "/rest/job-execution?configuration=41"),
        ("DELETE", "/rest/job-configuration/job-status/41"),
        ("POST", "/rest/license-details"),
        ("GET", "/rest/data/1"),
        ("POST", "/browser"),
    ],
)
def test_wrong_method_is_405_json(api, method, path):
    response = api.request(method, path)
    assert response.status_code == 405
    assert "error" in response.json()


def test_unknown_path_is_404_json(api):
    for path in ("/", "/rest/nothing", "/api/job-execution/48/explode", "/api/job-execution/48"):
        response = api.get(path)
        assert response.status_code == 404
        assert "error" in response.json()


def test_post_without_body_or_content_type(api):
    response = api.session.post(api.url + f"/api/job-execution/{IMPORT}/trigger", data=None, headers={})
    assert response.status_code == 200
