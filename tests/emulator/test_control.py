"""The control API: state, reset, jobs, executions (forced status, finish), request log and counters."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_datameer.emulator import EmulatorControlError
from tests.emulator.support import IMPORT, LONG, QUEUE, SEEDED

NEW_JOB = {"file_id": 500, "configuration_id": 400, "path": "/New/job.exp", "type": "export", "run_seconds": 0}


def test_state_lists_jobs_executions_switches_faults(api, emu):
    exec_id = api.trigger(QUEUE)
    state = emu.client.state()
    assert set(state) == {"jobs", "executions", "switches", "faults"}
    job = next(j for j in state["jobs"] if j["file_id"] == QUEUE)
    assert job["configuration_id"] == 56
    assert job["queue_seconds"] == 60
    assert [e["file_id"] for e in state["executions"]] == [SEEDED, SEEDED, QUEUE]
    execution = state["executions"][-1]
    assert execution["id"] == exec_id
    assert execution["status"] == "QUEUED"
    assert execution["user"] == "admin"
    assert execution["trigger"] == "RESTAPI"
    assert execution["start"] is None


def test_reset_restores_start_up_content(api, emu):
    api.trigger(IMPORT)
    emu.client.put_job(NEW_JOB)
    emu.client.add_fault(kind="delay", seconds=0.01)
    emu.client.set_switches(date_format="jdk9")
    emu.client.reset()
    state = emu.client.state()
    assert [e["file_id"] for e in state["executions"]] == [SEEDED, SEEDED]  # seeded history again
    assert state["faults"] == []
    assert state["switches"]["date_format"] == "java8"
    assert all(j["file_id"] != 500 for j in state["jobs"])
    assert emu.client.requests() == []
    assert emu.client.counters()["total"] == 0
    assert api.trigger(IMPORT) == 3  # ids start again, after the two seeded runs


def test_put_job_adds_and_replaces(api, emu, wait):
    added = emu.client.put_job(NEW_JOB)
    assert added["uuid"]
    assert added["owner"] == "admin"
    exec_id = api.trigger("%2FNew%2Fjob")
    assert wait(lambda: api.status(500), lambda b: b["job-status"] == "COMPLETED")["job-execution-id"] == exec_id
    emu.client.put_job({**NEW_JOB, "outcome": "ERROR"})
    api.trigger(500)
    assert wait(lambda: api.status(500), lambda b: b["job-status"] != "COMPLETED")["job-status"] in (
        "QUEUED",
        "RUNNING",
        "ERROR",
    )
    assert len(api.get("/rest/job-configuration/job-history/400").json()) == 2  # executions kept


@pytest.mark.parametrize(
    ("job", "fragment"),
    [
        ({**NEW_JOB, "outcome": "DONE"}, "job.outcome: 'DONE' is not one of COMPLETED, COMPLETED_WITH_WARNINGS, ERROR"),
        ({**NEW_JOB, "configuration_id": 41}, "job.configuration_id: 41 is already used"),
        ({**NEW_JOB, "path": "/no/extension"}, "job.path"),
        ({k: v for k, v in NEW_JOB.items() if k != "type"}, "job.type: missing"),
        ({**NEW_JOB, "colour": "red"}, "job.colour: unknown key"),
    ],
)
def test_put_job_rejects_bad_jobs(emu, job, fragment):
    with pytest.raises(EmulatorControlError) as info:
        emu.client.put_job(job)
    assert info.value.status == 400
    assert fragment in info.value.message


def test_patch_job(emu):
    assert emu.client.patch_job(IMPORT, run_seconds=2.5)["run_seconds"] == 2.5
    with pytest.raises(EmulatorControlError) as info:
        emu.client.patch_job(IMPORT, file_id=1)
    assert info.value.status == 400
    with pytest.raises(EmulatorControlError) as info:
        emu.client.patch_job(9999, run_seconds=1)
    assert info.value.status == 404


def test_trigger_as_is_not_a_rest_trigger(api, emu):
    exec_id = emu.client.trigger_as(QUEUE, "scheduler")
    assert api.status(QUEUE)["job-execution-id"] == exec_id
    assert emu.client.requests(endpoint="trigger_v2") == []
    execution = emu.client.state()["executions"][-1]
    assert execution["user"] == "scheduler"
    assert execution["trigger"] != "RESTAPI"
    assert emu.client.trigger_as(QUEUE) > exec_id  # queued behind; user defaults to the owner


def test_forced_status_overrides_and_expires(api, emu, wait):
    exec_id = api.trigger(QUEUE)
    emu.client.patch_execution(exec_id, status="CANCELLED")
    assert api.status(QUEUE)["job-status"] == "CANCELLED"
    assert api.get("/rest/job-configuration/job-status/56").json()["jobStatus"] == "CANCELLED"
    emu.client.patch_execution(exec_id, status=None)
    assert api.status(QUEUE)["job-status"] == "QUEUED"
    emu.client.patch_execution(exec_id, status="SOMETHING_NEW", seconds=0.3)
    assert api.status(QUEUE)["job-status"] == "SOMETHING_NEW"
    wait(lambda: api.status(QUEUE), lambda b: b["job-status"] == "QUEUED")


def test_finish_ends_a_run_now(api, emu):
    exec_id = api.trigger(LONG)
    finished = emu.client.patch_execution(exec_id, finish="COMPLETED_WITH_WARNINGS")
    assert finished["status"] == "COMPLETED_WITH_WARNINGS"
    body = api.status(LONG)
    assert body["job-status"] == "COMPLETED_WITH_WARNINGS"
    assert body["start-time"]
    assert body["stop-time"]
    with pytest.raises(EmulatorControlError):
        emu.client.patch_execution(exec_id, finish="DONE")
    with pytest.raises(EmulatorControlError) as info:
        emu.client.patch_execution(777, finish="COMPLETED")
    assert info.value.status == 404


def test_request_log_and_counters(api, emu):
    api.get(f"/api/job-execution/{IMPORT}/status")
    api.post(f"/api/job-execution/{IMPORT}/trigger")
    requests.get(emu.url + "/rest/license-details", timeout=10)
    api.get("/nowhere")
    log = emu.client.requests()
    assert [(r["method"], r["endpoint"], r["status"], r["user"]) for r in log] == [
        ("GET", "status_v2", 200, "admin"),
        ("POST", "trigger_v2", 200, "admin"),
        ("GET", "license", 401, None),
        ("GET", None, 404, None),
    ]
    assert log[0]["path"] == f"/api/job-execution/{IMPORT}/status"
    assert log[0]["job"] == str(IMPORT)
    assert isinstance(log[0]["time"], float)
    assert [r["endpoint"] for r in emu.client.requests(endpoint="license")] == ["license"]
    assert emu.client.counters() == {
        "total": 4,
        "by_endpoint": {"status_v2": 1, "trigger_v2": 1, "license": 1, "unknown": 1},
        "by_status": {"200": 2, "401": 1, "404": 1},
    }
    emu.client.clear_requests()
    assert emu.client.requests() == []
    assert emu.client.counters()["total"] == 0


def test_control_errors_are_json(emu):
    base = emu.url + "/_emulator/"
    cases = [
        ("GET", "nothing", None, 404),
        ("DELETE", "health", None, 405),
        ("PATCH", "switches", b"{not json", 400),
        ("PATCH", "switches", b"[1, 2]", 400),
        ("PATCH", "executions/abc", b"{}", 400),
        ("PATCH", "executions/999", b'{"finish": "ERROR"}', 404),
        ("PATCH", "executions/1", b'{"bogus": 1}', 400),
        ("POST", "jobs/48/trigger", b'{"user": 5}', 400),
    ]
    for method, path, body, code in cases:
        response = requests.request(method, base + path, data=body, timeout=10)
        assert response.status_code == code, (method, path, response.text)
        assert "error" in response.json()
