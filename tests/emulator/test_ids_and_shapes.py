"""Configuration ids that overlap file ids (`configuration_ids`), the job-details shapes (`details_shape`),
and a server without /api/ driven end to end through the V1 commands."""

from __future__ import annotations

import pytest

from airflow_provider_datameer.emulator import EmulatorServer
from tests.emulator.support import IMPORT, Api

# The default job set (default_jobs.json) under configuration_ids=overlap; docs/emulator.md has this table.
OVERLAP = {48: 57, 57: 60, 60: 61, 61: 62, 62: 63, 63: 48}
CLASSIC_KEYS = ["counters", "failureCount", "jobStatus", "startTime", "stopTime", "successCount"]


@pytest.fixture
def default_emu():
    with EmulatorServer(switches={"configuration_ids": "overlap"}) as server:
        yield server


def test_overlap_gives_each_job_the_file_id_of_another(default_emu):
    jobs = {job["file_id"]: job["configuration_id"] for job in default_emu.client.state()["jobs"]}
    assert jobs == OVERLAP
    assert all(config != file_id and config in jobs for file_id, config in jobs.items())


def test_a_configuration_id_used_as_a_file_id_hits_another_job(default_emu):
    api = Api(default_emu.url)
    configuration_of_48 = OVERLAP[48]
    exec_id = api.trigger(48)
    assert api.get(f"/rest/job-configuration/job-status/{configuration_of_48}").json()["id"] == exec_id
    other = api.status(configuration_of_48)  # V2 reads the same number as a file id: the workbook 57
    assert other == {"status": "success", "job-status": "_NONE"}
    other_exec = api.trigger(configuration_of_48)
    assert api.status(57)["job-execution-id"] == other_exec
    running = {e["id"]: e["jobConfigurationId"] for e in api.get("/rest/jobs/list-running").json()}
    assert running == {exec_id: 57, other_exec: 60}
    assert api.get("/rest/job-configuration/job-status/41").status_code == 404


def test_overlap_switched_off_restores_the_declared_ids(default_emu):
    api = Api(default_emu.url)
    default_emu.client.set_switches(configuration_ids="separate")
    assert api.post("/rest/job-execution?configuration=41").status_code == 200
    assert api.status(48)["job-status"] in ("QUEUED", "RUNNING")
    default_emu.client.set_switches(configuration_ids="overlap")
    assert api.get("/rest/job-configuration/job-status/41").status_code == 404


def test_overlap_follows_jobs_added_later(default_emu):
    default_emu.client.put_job({"file_id": 70, "configuration_id": 90, "path": "/Data/late.imp", "type": "import"})
    jobs = {job["file_id"]: job["configuration_id"] for job in default_emu.client.state()["jobs"]}
    assert (jobs[63], jobs[70]) == (70, 48)


def test_classic_details_name_no_job(api):
    exec_id = api.trigger(IMPORT)
    assert sorted(api.details(exec_id)) == CLASSIC_KEYS


def test_newer_details_have_no_job_status(api, emu, wait):
    emu.client.set_switches(details_shape="newer")
    exec_id = api.trigger(IMPORT)
    body = wait(lambda: api.details(exec_id), lambda b: b["status"] == "COMPLETED")
    assert "jobStatus" not in body
    assert body["id"] == exec_id
    assert (body["jobConfigurationId"], body["fileId"], body["user"], body["triggerType"]) == (
        41,
        48,
        "admin",
        "RESTAPI",
    )
    assert list(body) == [
        "id",
        "jobConfigurationId",
        "fileId",
        "status",
        "user",
        "triggerType",
        "startTime",
        "stopTime",
        "counters",
        "failureCount",
        "successCount",
    ]
    emu.client.set_switches(details_shape="classic")
    assert api.details(exec_id)["jobStatus"] == "COMPLETED"


def test_v1_only_server_runs_a_job_end_to_end(api, emu, wait):
    emu.client.set_switches(api_v2=False, error_pages="servlet")
    triggered = api.post("/rest/job-execution?configuration=41")
    assert triggered.status_code == 200
    assert list(triggered.json()) == ["id"]
    exec_id = triggered.json()["id"]
    status = wait(
        lambda: api.get("/rest/job-configuration/job-status/41").json(), lambda b: b["jobStatus"] == "COMPLETED"
    )
    assert status["id"] == exec_id
    history = api.get("/rest/job-configuration/job-history/41?start=0&length=1").json()
    assert history == [{"id": exec_id, "jobStatus": "COMPLETED"}]
    assert api.details(exec_id)["successCount"] == 494400
    assert not [r for r in emu.client.requests() if r["path"].startswith("/api/")]


def test_v1_only_server_stops_a_job_with_job_kill(api, emu, wait):
    emu.client.set_switches(api_v2=False)
    exec_id = api.post("/rest/job-execution?configuration=55").json()["id"]
    wait(lambda: api.get("/rest/job-configuration/job-status/55").json(), lambda b: b["jobStatus"] == "RUNNING")
    assert [e["id"] for e in api.get("/rest/jobs/list-running").json()] == [exec_id]
    assert api.post(f"/rest/job-execution/job-kill/{exec_id}").status_code == 200
    assert api.get("/rest/job-configuration/job-status/55").json() == {"id": exec_id, "jobStatus": "CANCELED"}
    assert api.details(exec_id)["jobStatus"] == "CANCELED"
    assert api.get("/rest/jobs/list-running").json() == []
