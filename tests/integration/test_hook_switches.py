"""Every emulator switch that changes a response, seen through DatameerHook (sync and async paths).

Each switch stands for a way real Datameer servers differ (datameer-rest-api.md §11); the hook must give
the same typed result or a clear error either way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from airflow_provider_datameer.core.errors import DatameerNotFoundError, DatameerRejectedError
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.status import DatameerJobStatus
from tests.integration.support import UNKNOWN_FILE
from tests.support import (
    BOTH_PATHS,
    CONFIGURATION,
    IMPORT,
    LONG,
    WARNINGS,
    execution,
    finished_run,
    logged,
    running_run,
)

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")
S = DatameerJobStatus
FAILURE_REASON = "File doesn't exist or isn't accessible with current permissions"


@BOTH_PATHS
@pytest.mark.parametrize("http_code", [200, 400, 403, 404])
async def test_failure_body_is_not_found_whatever_the_http_code(emulator, via, http_code):
    emulator.client.set_switches(failure_http_code=http_code)

    with pytest.raises(DatameerNotFoundError) as caught:
        await via(DatameerHook(), "get_job_status", UNKNOWN_FILE)

    assert (caught.value.http_status, caught.value.reason) == (http_code, FAILURE_REASON)
    assert f"Datameer says: {FAILURE_REASON}" in str(caught.value)
    assert len(logged(emulator)) == 1  # not retried


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("error404", "No job configuration with id 999", id="error404"),
        pytest.param("empty200", None, id="empty200"),
    ],
)
def test_v1_unknown_configuration(emulator, mode, expected):
    emulator.client.set_switches(v1_not_found=mode)
    hook = DatameerHook()
    if expected is None:  # indistinguishable from a configuration that never ran
        assert hook.get_job_status_v1(999).status is S.NONE
        assert hook.get_job_history(999) == []
        return
    for command in (hook.get_job_status_v1, hook.get_job_history):
        with pytest.raises(DatameerNotFoundError, match=expected) as caught:
            command(999)
        assert caught.value.http_status == 404


@pytest.mark.parametrize(
    ("spelling", "raw"), [("mixed", "COMPLETED_WITH_Warnings"), ("upper", "COMPLETED_WITH_WARNINGS")]
)
def test_v1_warnings_spelling(emulator, spelling, raw):
    emulator.client.set_switches(v1_warnings_spelling=spelling)
    execution_id = finished_run(emulator, WARNINGS)
    hook = DatameerHook()

    results = [
        hook.get_job_status_v1(CONFIGURATION[WARNINGS]),
        hook.get_job_history(CONFIGURATION[WARNINGS])[0],
        hook.get_job_details(execution_id),
    ]

    assert [(r.status, r.raw_status) for r in results] == [(S.COMPLETED_WITH_WARNINGS, raw)] * 3


def _wall(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch)


@BOTH_PATHS
@pytest.mark.parametrize("date_format", ["java8", "jdk9", "jdk20"])
async def test_v2_dates_parse_in_every_jdk_rendering(emulator, via, date_format):
    emulator.client.set_switches(date_format=date_format)
    execution_id = finished_run(emulator, IMPORT)
    truth = execution(emulator, execution_id)

    status = await via(DatameerHook(), "get_job_status", IMPORT)

    # DateFormat.MEDIUM has whole seconds.
    assert status.start_time == _wall(truth["start"]).replace(microsecond=0)
    assert status.stop_time == _wall(truth["stop"]).replace(microsecond=0)


@BOTH_PATHS
@pytest.mark.parametrize(
    ("details_format", "date_format"), [("timestamp", "java8"), ("medium", "java8"), ("medium", "jdk20")]
)
async def test_job_details_dates_parse(emulator, via, details_format, date_format):
    emulator.client.set_switches(details_date_format=details_format, date_format=date_format)
    execution_id = finished_run(emulator, IMPORT)
    truth = execution(emulator, execution_id)

    details = await via(DatameerHook(), "get_job_details", execution_id)

    for parsed, epoch in ((details.start_time, truth["start"]), (details.stop_time, truth["stop"])):
        assert parsed is not None
        assert abs(parsed - _wall(epoch)) < timedelta(seconds=1)  # a rendering precision, not a timing


@BOTH_PATHS
async def test_api_v2_off_names_the_version_and_the_override(emulator, via):
    emulator.client.set_switches(api_v2=False)
    hook = DatameerHook()

    with pytest.raises(DatameerNotFoundError) as caught:
        await via(hook, "get_job_status", IMPORT)

    message = str(caught.value)
    assert "7.2.5" in message
    assert "'endpoints'" in message
    assert hook.get_job_status_v1(CONFIGURATION[IMPORT]).status is S.NONE  # V1 still answers


@BOTH_PATHS
@pytest.mark.parametrize("mode", ["queue", "existing", "fail"])
async def test_trigger_while_running(emulator, via, mode):
    emulator.client.set_switches(trigger_while_running=mode)
    hook = DatameerHook()
    active = running_run(emulator)

    if mode == "fail":
        with pytest.raises(DatameerRejectedError, match="Job is already running") as caught:
            await via(hook, "trigger_job", LONG)
        assert caught.value.http_status == 409
        assert not isinstance(caught.value, DatameerNotFoundError)
        return
    execution_id = (await via(hook, "trigger_job", LONG)).execution_id
    if mode == "existing":
        assert execution_id == active
    else:
        assert execution_id > active
        assert (await via(hook, "get_job_status", LONG)).status is S.WAITING_FOR_OTHER_JOB


@BOTH_PATHS
async def test_reject_encoded_slash_says_why_and_what_to_use(emulator, via):
    emulator.client.set_switches(reject_encoded_slash=True)
    hook = DatameerHook()
    finished_run(emulator, IMPORT)

    with pytest.raises(DatameerRejectedError) as caught:
        await via(hook, "get_job_status", "/Data/ImportJobs/sales_import.imp")

    message = str(caught.value)
    assert caught.value.http_status == 400
    assert "%2F" in message
    assert "file id or uuid" in message
    assert (await via(hook, "get_job_status", IMPORT)).status is S.COMPLETED  # the file id still works


@BOTH_PATHS
@pytest.mark.parametrize("mode", ["ok", "failure"])
async def test_stop_when_idle(emulator, via, mode):
    emulator.client.set_switches(stop_when_idle=mode)
    hook = DatameerHook()
    execution_id = finished_run(emulator, IMPORT)

    if mode == "ok":
        assert await via(hook, "stop_job", IMPORT) is None
        assert await via(hook, "stop_job_v1", execution_id) is None
        return
    with pytest.raises(DatameerRejectedError, match="No running job execution for file 48"):
        await via(hook, "stop_job", IMPORT)
    with pytest.raises(DatameerRejectedError, match=f"Job execution {execution_id} is not running"):
        await via(hook, "stop_job_v1", execution_id)
    assert execution(emulator, execution_id)["status"] == "COMPLETED"
