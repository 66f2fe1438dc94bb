"""Every documented body (datameer-rest-api.md §7), reached by driving the lifecycle; keys, order, types."""

from __future__ import annotations

import re

from tests.emulator.support import BROKEN, EXPORT, IMPORT, LONG, QUEUE, WAIT, WARN, WB

MEDIUM = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,3}$")
FAILURE = {"status": "failure", "reason": "File doesn't exist or isn't accessible with current permissions"}


def _is_terminal(body):
    return body["job-status"] not in ("QUEUED", "WAITING_FOR_OTHER_JOB", "RUNNING", "_NONE")


def test_v2_never_run_has_only_two_keys(api):
    response = api.get(f"/api/job-execution/{IMPORT}/status")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert list(response.json().items()) == [("status", "success"), ("job-status", "_NONE")]


def test_v2_queued_has_explicit_null_start_and_no_stop(api):
    exec_id = api.trigger(QUEUE)
    body = api.status(QUEUE)
    assert list(body) == ["status", "file-id", "job-execution-id", "job-status", "start-time"]
    assert body == {
        "status": "success",
        "file-id": QUEUE,
        "job-execution-id": exec_id,
        "job-status": "QUEUED",
        "start-time": None,
    }


def test_v2_waiting_for_other_job_has_the_queued_shape(api, wait):
    exec_id = api.trigger(WAIT)
    body = wait(lambda: api.status(WAIT), lambda b: b["job-status"] == "WAITING_FOR_OTHER_JOB")
    assert list(body.items()) == [
        ("status", "success"),
        ("file-id", WAIT),
        ("job-execution-id", exec_id),
        ("job-status", "WAITING_FOR_OTHER_JOB"),
        ("start-time", None),
    ]


def test_v2_running_has_string_estimate_and_progress_that_move(api, wait):
    exec_id = api.trigger(LONG)
    first = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    assert list(first) == [
        "status",
        "file-id",
        "job-execution-id",
        "job-status",
        "start-time",
        "estimate-time",
        "job-progress",
    ]
    assert (first["file-id"], first["job-execution-id"]) == (LONG, exec_id)
    assert MEDIUM.match(first["start-time"])
    assert re.fullmatch(r"\d+s", first["estimate-time"])
    assert isinstance(first["job-progress"], str)
    assert first["job-progress"].isdigit()
    later = wait(
        lambda: api.status(LONG),
        lambda b: b["estimate-time"] != first["estimate-time"] and b["job-progress"] != first["job-progress"],
    )
    assert int(later["estimate-time"][:-1]) < int(first["estimate-time"][:-1])
    assert int(later["job-progress"]) > int(first["job-progress"])
    assert later["start-time"] == first["start-time"]


def _finished(api, wait, job):
    exec_id = api.trigger(job)
    return exec_id, wait(lambda: api.status(job), _is_terminal)


def test_v2_completed(api, wait):
    exec_id, body = _finished(api, wait, IMPORT)
    assert list(body) == ["status", "file-id", "job-execution-id", "job-status", "start-time", "stop-time"]
    assert body["job-status"] == "COMPLETED"
    assert (body["file-id"], body["job-execution-id"]) == (IMPORT, exec_id)
    assert MEDIUM.match(body["start-time"])
    assert MEDIUM.match(body["stop-time"])


def test_v2_completed_with_warnings(api, wait):
    _, body = _finished(api, wait, WARN)
    assert list(body) == ["status", "file-id", "job-execution-id", "job-status", "start-time", "stop-time"]
    assert body["job-status"] == "COMPLETED_WITH_WARNINGS"


def test_v2_error_has_the_completed_shape(api, wait):
    _, body = _finished(api, wait, BROKEN)
    assert list(body) == ["status", "file-id", "job-execution-id", "job-status", "start-time", "stop-time"]
    assert body["job-status"] == "ERROR"


def test_v2_canceled_while_queued_keeps_null_start(api):
    exec_id = api.trigger(QUEUE)
    stop = api.post(f"/api/job-execution/{QUEUE}/stop")
    assert (stop.status_code, stop.content) == (200, b"")
    body = api.status(QUEUE)
    assert list(body) == ["status", "file-id", "job-execution-id", "job-status", "start-time", "stop-time"]
    assert body["job-execution-id"] == exec_id
    assert body["job-status"] == "CANCELED"
    assert body["start-time"] is None
    assert MEDIUM.match(body["stop-time"])


def test_v2_canceled_while_running_has_a_start(api, wait):
    api.trigger(LONG)
    wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    api.post(f"/api/job-execution/{LONG}/stop")
    body = api.status(LONG)
    assert body["job-status"] == "CANCELED"
    assert MEDIUM.match(body["start-time"])
    assert MEDIUM.match(body["stop-time"])


def test_v2_failure_body_for_unknown_file(api):
    response = api.get("/api/job-execution/999999/status")
    assert response.status_code == 404
    assert list(response.json().items()) == list(FAILURE.items())


def test_v2_trigger_body(api):
    response = api.post(f"/api/job-execution/{IMPORT}/trigger")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "job-execution-id", "job-execution-user", "job-execution-trigger"]
    assert body["status"] == "success"
    assert isinstance(body["job-execution-id"], int)
    assert body["job-execution-user"] == "admin"
    assert body["job-execution-trigger"] == "RESTAPI"


def test_v1_status_never_triggered_is_empty_object(api):
    response = api.get("/rest/job-configuration/job-status/41")
    assert (response.status_code, response.json()) == (200, {})


def test_v1_status_for_each_state(api, wait):
    ids = {job: api.trigger(job) for job in (IMPORT, WARN, BROKEN, LONG)}
    config = {IMPORT: 41, WARN: 52, BROKEN: 54, LONG: 55}

    def v1(job):
        return api.get(f"/rest/job-configuration/job-status/{config[job]}").json()

    running = wait(lambda: v1(LONG), lambda b: b.get("jobStatus") == "RUNNING")
    assert list(running.items()) == [("id", ids[LONG]), ("jobStatus", "RUNNING")]
    expected = {IMPORT: "COMPLETED", WARN: "COMPLETED_WITH_Warnings", BROKEN: "ERROR"}
    for job, status in expected.items():
        assert wait(lambda job=job: v1(job), lambda b: b.get("jobStatus") not in ("QUEUED", "RUNNING")) == {
            "id": ids[job],
            "jobStatus": status,
        }
    api.post(f"/api/job-execution/{LONG}/stop")
    assert v1(LONG) == {"id": ids[LONG], "jobStatus": "CANCELED"}


def test_history_newest_first_and_paged(api, emu):
    ids = []
    for _ in range(3):
        ids.append(api.trigger(IMPORT))
        emu.client.patch_execution(ids[-1], finish="COMPLETED")
    page = api.get("/rest/job-configuration/job-history/41?start=0&length=10").json()
    assert page == [{"id": i, "jobStatus": "COMPLETED"} for i in reversed(ids)]
    assert api.get("/rest/job-configuration/job-history/41?start=1&length=1").json() == [
        {"id": ids[1], "jobStatus": "COMPLETED"}
    ]
    assert api.get("/rest/job-configuration/job-history/41?start=5&length=2").json() == []
    assert api.get("/rest/job-configuration/job-history/41").json() == page  # defaults start=0, length=10
    assert api.get("/rest/job-configuration/job-history/50?start=0&length=1").json() == []


def test_job_details_import_counters(api, wait):
    exec_id, _ = _finished(api, wait, IMPORT)
    body = api.details(exec_id)
    assert list(body) == ["counters", "failureCount", "jobStatus", "startTime", "stopTime", "successCount"]
    assert list(body["counters"]) == [
        "IMPORT_RECORDS",
        "IMPORT_BYTES",
        "IMPORT_DROPPED_RECORDS",
        "IMPORT_PREVIEW_RECORDS",
        "IMPORT_OUTPUT_BYTES",
        "IMPORT_DROPPED_SPLITS",
        "IMPORT_OUTPUT_PARTITIONS",
    ]
    assert body["counters"]["IMPORT_RECORDS"] == 494400 == body["successCount"]
    assert body["counters"]["IMPORT_DROPPED_RECORDS"] == 0 == body["failureCount"]
    assert body["jobStatus"] == "COMPLETED"
    assert TIMESTAMP.match(body["startTime"])
    assert TIMESTAMP.match(body["stopTime"])


def test_job_details_export_workbook_warnings_and_error(api, wait):
    ids = {job: api.trigger(job) for job in (EXPORT, WB, WARN, BROKEN)}
    for job in ids:
        wait(lambda job=job: api.status(job), _is_terminal)
    assert list(api.details(ids[EXPORT])["counters"]) == ["EXPORT_RECORDS", "EXPORT_DROPPED_RECORDS", "EXPORT_BYTES"]
    assert api.details(ids[WB])["counters"] == {}
    warned = api.details(ids[WARN])
    assert warned["jobStatus"] == "COMPLETED_WITH_Warnings"
    assert warned["failureCount"] > 0
    failed = api.details(ids[BROKEN])
    assert failed["counters"] == {}
    assert failed["jobStatus"] == "ERROR"


def test_job_details_of_a_queued_run_has_null_dates(api):
    body = api.details(api.trigger(QUEUE))
    assert body["jobStatus"] == "QUEUED"
    assert body["startTime"] is None
    assert body["stopTime"] is None


def test_list_running(api, wait):
    assert api.get("/rest/jobs/list-running").json() == []
    long_id = api.trigger(LONG)
    queued_id = api.trigger(QUEUE)
    wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    assert api.get("/rest/jobs/list-running").json() == [
        {"id": long_id, "jobConfigurationId": 55, "jobStatus": "RUNNING"},
        {"id": queued_id, "jobConfigurationId": 56, "jobStatus": "QUEUED"},
    ]
    api.post(f"/api/job-execution/{LONG}/stop")
    assert [e["id"] for e in api.get("/rest/jobs/list-running").json()] == [queued_id]


def test_license_details_shape(api):
    body = api.get("/rest/license-details").json()
    assert list(body) == [
        "ProductId",
        "ProductVersion",
        "LicenseHolder",
        "LicenseType",
        "LicenseStartDate",
        "LicenseExpirationDate",
        "LicenseVolumePeriodInMonths",
        "LicenseVolumelimitInBytes",
        "TotalVolumeConsumedInBytes",
    ]
    assert body["ProductVersion"] == "11.0.6"
    assert MEDIUM.match(body["LicenseStartDate"])
    assert MEDIUM.match(body["LicenseExpirationDate"])
    assert all(isinstance(body[k], int) for k in list(body)[-3:])


def test_delete_and_v1_job_kill(api):
    exec_id = api.trigger(QUEUE)
    kill = api.post(f"/rest/job-execution/job-kill/{exec_id}")
    assert (kill.status_code, kill.content) == (200, b"")
    assert api.status(QUEUE)["job-status"] == "CANCELED"
    deleted = api.request("DELETE", f"/rest/data/{exec_id}")
    assert (deleted.status_code, deleted.json()) == (200, {"status": "success"})
    assert api.request("DELETE", "/rest/data/424242").status_code == 404
