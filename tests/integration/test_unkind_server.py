"""What a task says when the server is unkind (issue 14, part 4), and what it acts on when ids overlap.

Each case runs the operator, sensor or trigger against the emulator with one of its unkind switches and
checks the message a user reads: a 405 names the method, the path, ``Allow`` and the ``endpoints``
override; an HTML error page is shown as text; a login redirect after a wrong password says the
password may be wrong; job details without ``jobStatus`` are a shape error, never "no execution".
"""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.errors import (
    DatameerNotFoundError,
    DatameerRejectedError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator
from airflow_provider_datameer.operators.outcome import DatameerJobFailed
from tests.support import (
    CONFIGURATION,
    FAST,
    IMPORT,
    LONG,
    WORKBOOK,
    context,
    execution,
    logged,
    run_deferrable,
    running_run,
    sensor,
    trigger_op,
)
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")
BOTH_MODES = pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
PAGES = pytest.mark.parametrize("error_pages", ["json", "servlet"])


def poke_until_done(op, ctx):
    import time

    while not (result := op.poke(ctx)):
        time.sleep(op.poke_interval)
    return result.xcom_value


def finish(op, deferrable):
    return run_deferrable(op, context()) if deferrable else poke_until_done(op, context())


# ---------------------------------------------------------------------------------------------- 405
@PAGES
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_405_names_the_method_the_path_allow_and_the_override(emulator, error_pages, method):
    """Regression: with JSON error pages the 405's ``{"error"}`` body was read as Datameer refusing the
    identifiers ("Check the identifiers passed to the command"), and the override always said PUT."""
    moved = {"path": "/api/job-execution/{job}/trigger", "method": method}
    emulator.client.set_switches(routes={"trigger_v2": moved}, error_pages=error_pages)
    with pytest.raises(DatameerRejectedError) as info:
        trigger_op().execute(context())
    message = str(info.value)
    for fragment in (
        "does not accept POST on /api/job-execution/48/trigger",
        f"(Allow: {method})",
        "HTTP 405",
        "connection extra 'endpoints'",
        '{"trigger_v2": {"path": "/api/job-execution/{job}/trigger", "method": "' + method + '"}}',
    ):
        assert fragment in message
    assert "Check the identifiers" not in message
    assert "<" not in message
    assert [r["status"] for r in logged(emulator) if r["method"] == "POST"] == [405]


# ---------------------------------------------------------------------------------------------- HTML pages
def test_a_servlet_404_page_is_shown_as_text_with_the_override(emulator):
    emulator.client.set_switches(routes={"trigger_v2": "/api/v2/job/{job}/start"}, error_pages="servlet")
    with pytest.raises(DatameerNotFoundError) as info:
        trigger_op().execute(context())
    message = str(info.value)
    assert (
        "Datameer says: Error 404 Not Found HTTP ERROR 404 Problem accessing /api/job-execution/48/trigger" in message
    )
    assert "<" not in message
    assert "connection extra 'endpoints'" in message


def test_a_500_page_for_a_bad_v1_id_is_retried_then_shown_as_text(emulator, datameer_conn):
    """With servlet pages, an unknown configuration id is a 500: transient by its code, so retried; the
    message after the retries shows the page's text, tags stripped and cut to about 200 characters."""
    emulator.client.set_switches(error_pages="servlet", api_v2=False)
    datameer_conn(api_version=1)
    with pytest.raises(DatameerTransientError) as info:
        trigger_op(job_id=999).execute(context())
    message = str(info.value)
    assert "No job configuration with id 999" in message
    assert "gave up after 3 attempts" in message
    assert "<" not in message
    reason = info.value.reason or ""
    assert 50 < len(reason) <= 240
    assert [r["status"] for r in logged(emulator)] == [500, 500, 500]
    assert requests_for(emulator, "trigger_v1") == []


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferred"])
def test_a_500_page_while_waiting_ends_the_wait_with_its_text(emulator, datameer_conn, deferrable):
    emulator.client.set_switches(error_pages="servlet", api_v2=False)
    datameer_conn(api_version=1, retries=1)
    op = sensor(job_id=999, deferrable=deferrable, max_consecutive_errors=2)
    with pytest.raises(DatameerJobFailed) as info:
        finish(op, deferrable)
    message = str(info.value)
    assert "unreachable or failing for 2 polls in a row" in message
    assert "No job configuration with id 999" in message
    assert "<" not in message


# ---------------------------------------------------------------------------------------------- 302
@BOTH_MODES
def test_a_login_redirect_after_a_wrong_password_says_the_password_may_be_wrong(emulator, datameer_conn, deferrable):
    execution_id = running_run(emulator, LONG)
    emulator.client.set_switches(auth_failure_code=302)
    datameer_conn(password="wrong")
    op = sensor(job_id=LONG, execution_id=execution_id, deferrable=deferrable)
    with pytest.raises(DatameerJobFailed) as info:
        finish(op, deferrable)
    message = str(info.value)
    assert "/login.html" in message
    assert "the credentials are wrong" in message
    assert "single-sign-on" in message
    assert [r["status"] for r in logged(emulator)] == [302], "failed at once; the redirect was not followed"


# ---------------------------------------------------------------------------------------------- newer details
def newer_run_hides(emulator, file_id=IMPORT):
    """Our run (1 s) and a newer scheduler run behind it: V2 status shows the newer one, ours is read from
    job details, which come in the ``newer`` shape (no ``jobStatus``)."""
    emulator.client.patch_job(file_id, queue_seconds=0, run_seconds=1.0)
    ours = emulator.client.trigger_as(file_id)
    emulator.client.trigger_as(file_id, "scheduler")
    emulator.client.set_switches(details_shape="newer")
    return ours


@BOTH_MODES
def test_a_waiter_overtaken_by_a_newer_run_fails_on_the_missing_job_status(emulator, deferrable, capsys):
    ours = newer_run_hides(emulator)
    op = sensor(job_id=IMPORT, execution_id=ours, deferrable=deferrable)
    with pytest.raises((DatameerJobFailed, DatameerUnexpectedResponseError)) as info:
        finish(op, deferrable)
    message = str(info.value)
    assert "no 'jobStatus' in job details" in message
    assert "keys present:" in message
    assert "_NONE" not in message
    assert "_NONE" not in capsys.readouterr().out
    assert len(requests_for(emulator, "job_details")) == 1, "fails at the first details read, not at the timeout"


def test_v1_waiter_overtaken_by_a_newer_run_fails_on_the_missing_job_status(emulator, datameer_conn):
    emulator.client.set_switches(api_v2=False)
    datameer_conn(api_version=1)
    ours = newer_run_hides(emulator)
    with pytest.raises(DatameerJobFailed, match="no 'jobStatus' in job details"):
        run_deferrable(sensor(job_id=CONFIGURATION[IMPORT], execution_id=ours, deferrable=True), context())


def test_stop_by_execution_id_on_the_newer_shape_fails_and_never_says_nothing_to_stop(emulator):
    ours = running_run(emulator, LONG)
    newer = emulator.client.trigger_as(LONG, "scheduler")
    emulator.client.set_switches(details_shape="newer")
    with pytest.raises(DatameerUnexpectedResponseError) as info:
        DatameerStopJobOperator(task_id="stop", job_id=LONG, execution_id=ours, poll_interval=0.2).execute(context())
    message = str(info.value)
    assert "no 'jobStatus' in job details" in message
    assert "nothing to stop" not in message
    assert execution(emulator, ours)["status"] == "RUNNING"
    assert execution(emulator, newer)["status"] != "CANCELED"
    assert requests_for(emulator, "stop_v1", "stop_v2") == []


def test_the_newer_shape_does_not_fail_a_run_its_status_shows(emulator):
    """Our run is the job's latest: its status decides; the summary's details read only warns."""
    emulator.client.patch_job(IMPORT, **FAST)
    emulator.client.set_switches(details_shape="newer")
    assert isinstance(run_deferrable(trigger_op(deferrable=True), context()), int)


# ---------------------------------------------------------------------------------------------- overlapping ids
def test_a_configuration_id_passed_as_a_file_id_acts_on_the_file_the_user_named(emulator, datameer_conn):
    """Under ``configuration_ids=overlap`` job 48's configuration id is 57, the workbook's file id. A V2 task
    given 57 runs the workbook (file 57) — what it was told — and its XCom and link name that file."""
    emulator.client.set_switches(configuration_ids="overlap")
    emulator.client.patch_job(WORKBOOK, **FAST)
    datameer_conn(ui_url_template="{base_url}/browse/{file_id}?run={execution_id}")
    ctx = context()
    execution_id = run_deferrable(trigger_op(job_id=57, deferrable=True), ctx)
    assert execution(emulator, execution_id)["file_id"] == WORKBOOK
    assert ctx["ti"].xcom["job_url"] == f"{emulator.url}/browse/{WORKBOOK}?run={execution_id}"
    assert [r["path"] for r in requests_for(emulator, "trigger_v2")] == ["/api/job-execution/57/trigger"]


def test_the_same_number_with_api_version_1_acts_on_the_configuration(emulator, datameer_conn):
    emulator.client.set_switches(configuration_ids="overlap")
    emulator.client.patch_job(IMPORT, **FAST)
    datameer_conn(api_version=1)
    execution_id = run_deferrable(trigger_op(job_id=57, deferrable=True), context())
    assert execution(emulator, execution_id)["file_id"] == IMPORT
    assert execution(emulator, execution_id)["configuration_id"] == 57
    assert DatameerHook().get_job_status(WORKBOOK).execution_id is None
