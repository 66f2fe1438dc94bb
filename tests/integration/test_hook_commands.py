"""Every DatameerHook command against the emulator, on the sync path and (where a twin exists) the async one.

Results are checked against the emulator's own state (control API) and the raw request it logged.
"""

from __future__ import annotations

import pytest

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.status import PENDING_STATES, DatameerJobStatus
from tests.support import (
    BOTH_PATHS,
    BROKEN,
    CONFIGURATION,
    EXPORT,
    IMPORT,
    LONG,
    WARNINGS,
    WORKBOOK,
    execution,
    finished_run,
    logged,
    running_run,
)

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")
S = DatameerJobStatus
IMPORT_COUNTERS = {
    "IMPORT_RECORDS",
    "IMPORT_BYTES",
    "IMPORT_DROPPED_RECORDS",
    "IMPORT_PREVIEW_RECORDS",
    "IMPORT_OUTPUT_BYTES",
    "IMPORT_DROPPED_SPLITS",
    "IMPORT_OUTPUT_PARTITIONS",
}
EXPORT_COUNTERS = {"EXPORT_RECORDS", "EXPORT_DROPPED_RECORDS", "EXPORT_BYTES"}


# ---------------------------------------------------------------------------------------------- V2 status
@BOTH_PATHS
@pytest.mark.parametrize(
    ("job_id", "file_id", "raw_segment"),
    [
        pytest.param(IMPORT, IMPORT, "48", id="int"),
        pytest.param("48", IMPORT, "48", id="digit-string"),
        pytest.param("6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01", IMPORT, "6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01", id="uuid"),
        pytest.param(
            "6F1C2A44-0B5E-4C1E-9D1A-2B7E2F3A4C01", IMPORT, "6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01", id="uuid-upper"
        ),
        pytest.param(
            "/Analytics/My Workbooks/sales_wb.wbk",
            WARNINGS,
            "%2FAnalytics%2FMy%20Workbooks%2Fsales_wb.wbk",
            id="path-with-space",
        ),
        pytest.param(
            "/Analytics/My Workbooks/sales_wb", WARNINGS, "%2FAnalytics%2FMy%20Workbooks%2Fsales_wb", id="path-no-ext"
        ),
    ],
)
async def test_get_job_status_names_the_job_by_any_identifier(emulator, via, job_id, file_id, raw_segment):
    execution_id = finished_run(emulator, file_id)

    status = await via(DatameerHook(), "get_job_status", job_id)

    assert (status.execution_id, status.file_id) == (execution_id, file_id)
    assert status.status is S(execution(emulator, execution_id)["status"])
    assert [r["path"] for r in logged(emulator, "status_v2")] == [f"/api/job-execution/{raw_segment}/status"]


@BOTH_PATHS
async def test_get_job_status_of_a_job_that_never_ran_is_none(via):
    status = await via(DatameerHook(), "get_job_status", WORKBOOK)
    assert (status.status, status.execution_id, status.raw_status) == (S.NONE, None, "_NONE")


@BOTH_PATHS
async def test_get_job_status_follows_a_run_to_its_end(emulator, via):
    hook = DatameerHook()
    execution_id = running_run(emulator)

    running = await via(hook, "get_job_status", LONG)
    assert (running.status, running.execution_id) == (S.RUNNING, execution_id)
    assert running.start_time is not None
    assert running.stop_time is None
    assert running.estimate_seconds is not None
    assert running.estimate_seconds > 0
    assert running.progress is not None

    emulator.client.patch_execution(execution_id, finish="COMPLETED")
    done = await via(hook, "get_job_status", LONG)
    assert (done.status, done.execution_id) == (S.COMPLETED, execution_id)
    assert done.stop_time is not None
    assert done.stop_time >= done.start_time


# ---------------------------------------------------------------------------------------------- V1 status, history
@pytest.mark.parametrize("configuration_id", [41, "41"])
def test_get_job_status_v1_never_run_then_run(emulator, configuration_id):
    hook = DatameerHook()
    assert hook.get_job_status_v1(configuration_id).status is S.NONE  # Datameer answers {}

    execution_id = finished_run(emulator, IMPORT)
    status = hook.get_job_status_v1(configuration_id)
    assert (status.status, status.execution_id) == (S.COMPLETED, execution_id)
    assert [r["path"] for r in logged(emulator, "status_v1")] == ["/rest/job-configuration/job-status/41"] * 2


@pytest.mark.parametrize(("start", "length", "newest_first"), [(0, 10, [2, 1, 0]), (0, 2, [2, 1]), (1, 5, [1, 0])])
def test_get_job_history_pages_newest_first(emulator, start, length, newest_first):
    runs = [finished_run(emulator, IMPORT) for _ in range(3)]

    history = DatameerHook().get_job_history(CONFIGURATION[IMPORT], start=start, length=length)

    assert [entry.execution_id for entry in history] == [runs[i] for i in newest_first]
    assert {entry.status for entry in history} == {S.COMPLETED}
    path = f"/rest/job-configuration/job-history/41?start={start}&length={length}"
    assert [r["path"] for r in logged(emulator, "job_history")] == [path]


# ---------------------------------------------------------------------------------------------- job details
@BOTH_PATHS
@pytest.mark.parametrize(
    ("file_id", "status", "counter_keys", "dropped"),
    [
        pytest.param(IMPORT, S.COMPLETED, IMPORT_COUNTERS, False, id="import"),
        pytest.param(EXPORT, S.COMPLETED, EXPORT_COUNTERS, False, id="export"),
        pytest.param(WORKBOOK, S.COMPLETED, set(), False, id="workbook"),
        pytest.param(WARNINGS, S.COMPLETED_WITH_WARNINGS, set(), True, id="warnings"),
        pytest.param(BROKEN, S.ERROR, set(), False, id="error"),
    ],
)
async def test_get_job_details_counters_by_job_type(emulator, via, file_id, status, counter_keys, dropped):
    execution_id = finished_run(emulator, file_id)

    details = await via(DatameerHook(), "get_job_details", execution_id)

    assert (details.execution_id, details.status) == (execution_id, status)
    assert set(details.counters) == counter_keys
    assert (details.failure_count > 0) is dropped
    assert details.start_time is not None
    assert details.stop_time is not None
    if counter_keys:
        records = next(v for k, v in details.counters.items() if k.endswith("_RECORDS") and "DROPPED" not in k)
        assert records == details.success_count > 0


# ---------------------------------------------------------------------------------------------- active jobs
def test_list_active_jobs_lists_only_unfinished_runs(emulator):
    finished_run(emulator, IMPORT)
    execution_id = running_run(emulator)

    active = DatameerHook().list_active_jobs()

    assert [(a.execution_id, a.configuration_id) for a in active] == [(execution_id, CONFIGURATION[LONG])]
    assert active[0].status in PENDING_STATES


# ---------------------------------------------------------------------------------------------- triggers
@BOTH_PATHS
async def test_trigger_job_starts_a_run(emulator, via):
    result = await via(DatameerHook(), "trigger_job", IMPORT)

    assert (result.user, result.trigger) == ("admin", "RESTAPI")
    started = execution(emulator, result.execution_id)
    assert (started["file_id"], started["user"], started["trigger"]) == (IMPORT, "admin", "RESTAPI")
    assert [(r["method"], r["path"]) for r in logged(emulator, "trigger_v2")] == [
        ("POST", "/api/job-execution/48/trigger")
    ]


def test_trigger_job_v1_starts_a_run_of_the_configuration(emulator):
    result = DatameerHook().trigger_job_v1(CONFIGURATION[EXPORT])

    assert execution(emulator, result.execution_id)["file_id"] == EXPORT
    assert [r["path"] for r in logged(emulator, "trigger_v1")] == ["/rest/job-execution?configuration=53"]


def test_trigger_job_sequential_waits_behind_the_active_run(emulator):
    hook = DatameerHook()
    active = running_run(emulator)

    queued = hook.trigger_job_sequential(LONG).execution_id

    assert queued > active
    status = hook.get_job_status(LONG)
    assert (status.status, status.execution_id) == (S.WAITING_FOR_OTHER_JOB, queued)
    assert hook.get_job_details(active).status is S.RUNNING


# ---------------------------------------------------------------------------------------------- stop, delete
@BOTH_PATHS
@pytest.mark.parametrize("http_code", [200, 204])
async def test_stop_job_cancels_the_run(emulator, via, http_code):
    emulator.client.set_switches(stop_http_code=http_code)
    hook = DatameerHook()
    execution_id = running_run(emulator)

    assert await via(hook, "stop_job", LONG) is None

    assert execution(emulator, execution_id)["status"] == "CANCELED"
    assert (await via(hook, "get_job_status", LONG)).status is S.CANCELED
    assert [r["status"] for r in logged(emulator, "stop_v2")] == [http_code]


@BOTH_PATHS
async def test_stop_job_v1_cancels_one_execution(emulator, via):
    hook = DatameerHook()
    execution_id = running_run(emulator)

    assert await via(hook, "stop_job_v1", execution_id) is None

    assert (await via(hook, "get_job_details", execution_id)).status is S.CANCELED
    assert [r["path"] for r in logged(emulator, "stop_v1")] == [f"/rest/job-execution/job-kill/{execution_id}"]


def test_delete_job_deletes_the_result_data_of_one_execution(emulator):
    kept, deleted = finished_run(emulator, IMPORT), finished_run(emulator, IMPORT)

    assert DatameerHook().delete_job(str(deleted)) is None

    assert (execution(emulator, kept)["data_deleted"], execution(emulator, deleted)["data_deleted"]) == (False, True)
    assert [(r["method"], r["path"]) for r in logged(emulator, "delete")] == [("DELETE", f"/rest/data/{deleted}")]


# ---------------------------------------------------------------------------------------------- server
@pytest.mark.parametrize("version", ["11.0.6", "7.4.2"])
def test_get_server_version_and_test_connection(emulator, version):
    emulator.client.set_switches(product_version=version)
    hook = DatameerHook()

    server = hook.get_server_version()
    assert (server.version, server.license_type) == (version, "Enterprise")
    assert hook.test_connection() == (True, f"Connected to Datameer {version}; all 12 commands found")
    assert [r["path"] for r in logged(emulator, "license")] == ["/rest/license-details"] * 2
