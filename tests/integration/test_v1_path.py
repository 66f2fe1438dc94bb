"""The V1 path (``api_version=1``) against a server without ``/api/``: the V2 outcome tests, for V1.

The emulator runs with ``api_v2=False`` (a Datameer older than 7.2.5: every ``/api/`` path is 404) and the
connection sets the extra ``"api_version": 1``, so each job is named by its CONFIGURATION id (job 48 is
configuration 41). The table mirrors test_operators.py, test_sensor.py, test_trigger.py and the
ownership/lifecycle cases of tests/faults: same outcomes, same XCom and link, same ownership rules. The
``v1`` fixture fails any test after which the request log shows a request to ``/api/``.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time

import pytest
from airflow.providers.common.compat.sdk import AirflowException, TaskDeferred

from airflow_provider_datameer.core.errors import DatameerNotFoundError, DatameerUnexpectedResponseError
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed, DatameerJobTimeout
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests import support as shared
from tests.integration import support
from tests.support import (
    BROKEN,
    CONFIGURATION,
    FAST,
    IMPORT,
    LONG,
    WORKBOOK,
    context,
    execution,
    first_event,
    logged,
    run_deferrable,
)
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("close_sessions")

CONFIG = CONFIGURATION[IMPORT]  # 41: job 48 as the V1 commands name it
BOTH_MODES = pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
OUTCOMES = pytest.mark.parametrize(
    ("outcome", "fail_on_warnings", "passes"),
    [
        ("COMPLETED", False, True),
        ("COMPLETED_WITH_WARNINGS", False, True),
        ("COMPLETED_WITH_WARNINGS", True, False),
        ("ERROR", False, False),
    ],
)


@pytest.fixture
def v1(emulator, datameer_conn):
    """A server without /api/, ``datameer_default`` with ``"api_version": 1``, fast jobs; after the test, no
    request may have gone to /api/."""
    emulator.client.set_switches(api_v2=False)
    for file_id in (IMPORT, BROKEN):
        emulator.client.patch_job(file_id, **FAST)
    datameer_conn(api_version=1)
    yield emulator
    assert [r["path"] for r in logged(emulator) if r["path"].startswith("/api/")] == []


def trigger_op(**kw):
    """The shared factory, naming the import job by its configuration id (the V1 path's job id)."""
    return shared.trigger_op(**{"job_id": CONFIG, **kw})


def sensor(**kw):
    return shared.sensor(**{"job_id": CONFIG, **kw})


def stop_op(**kw):
    return support.stop_op(**{"job_id": CONFIGURATION[LONG], **kw})


def run_v1(emulator, file_id=IMPORT, **job):
    """Start a run of the job as the Datameer scheduler would; returns its execution id."""
    emulator.client.patch_job(file_id, **{**FAST, **job})
    return emulator.client.trigger_as(file_id, "scheduler")


def status(execution_id: int) -> str:
    return DatameerHook().get_job_details(execution_id).status.value


def kills(emulator) -> list[str]:
    return [r["path"] for r in requests_for(emulator, "stop_v1", "stop_v2")]


def poke_until_done(op, ctx, limit=60.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        if result := op.poke(ctx):
            return result.xcom_value
        time.sleep(op.poke_interval)
    raise AssertionError("sensor never finished")


# ---------------------------------------------------------------------------------------------- operator
@OUTCOMES
@BOTH_MODES
def test_operator_outcomes(v1, deferrable, outcome, fail_on_warnings, passes):
    v1.client.patch_job(IMPORT, outcome=outcome)
    ctx = context()
    op = trigger_op(deferrable=deferrable, fail_on_warnings=fail_on_warnings)
    if passes:
        execution_id = run_deferrable(op, ctx)
        assert execution_id == ctx["ti"].xcom["job_execution_id"]
    else:
        with pytest.raises(DatameerJobFailed) as info:
            run_deferrable(op, ctx)
        execution_id = ctx["ti"].xcom["job_execution_id"]
        assert f"Datameer job {CONFIG} execution {execution_id} ended {outcome}" in str(info.value)
        if outcome == "ERROR":
            assert "failure count" in str(info.value)
    assert ctx["ti"].xcom == {
        "job_execution_id": execution_id,
        "job_url": f"{v1.url}/file-job?jobExecutionId={execution_id}",
    }
    assert execution(v1, execution_id)["file_id"] == IMPORT
    assert [r["path"] for r in requests_for(v1, "trigger_v1")] == [f"/rest/job-execution?configuration={CONFIG}"]


def test_api_version_on_the_operator_overrides_the_connection(v1, datameer_conn):
    datameer_conn(api_version=2)
    execution_id = run_deferrable(trigger_op(api_version=1, deferrable=True), context())
    assert status(execution_id) == "COMPLETED"
    assert len(requests_for(v1, "trigger_v1")) == 1


def test_no_wait_returns_the_new_execution_at_once(v1):
    v1.client.patch_job(IMPORT, run_seconds=30)
    execution_id = trigger_op(wait_for_completion=False).execute(context())
    assert DatameerHook().get_job_status_v1(CONFIG).execution_id == execution_id


@pytest.mark.parametrize("body", ["id", "empty"])
def test_the_new_run_is_found_behind_an_earlier_one(v1, body):
    """The run is the one the trigger's answer names, or without an id the first newer than the status showed."""
    v1.client.set_switches(v1_trigger_body=body)
    earlier = run_v1(v1, queue_seconds=0, run_seconds=0)
    ours = trigger_op(wait_for_completion=False).execute(context())
    assert ours > earlier
    assert execution(v1, ours)["user"] != "scheduler"


def test_if_running_wait_joins_the_active_run(v1):
    active = run_v1(v1, run_seconds=1.5)
    v1.client.clear_requests()
    assert run_deferrable(trigger_op(if_running="wait", deferrable=True), context()) == active
    assert requests_for(v1, "trigger_v1") == []


def test_if_running_fail_names_the_active_execution(v1):
    active = run_v1(v1, run_seconds=30)
    with pytest.raises(AirflowException, match=f"active execution {active}.*if_running='fail'"):
        trigger_op(if_running="fail").execute(context())
    assert requests_for(v1, "trigger_v1") == []


def test_if_running_queue_is_refused_before_any_request(v1):
    with pytest.raises(ValueError, match="sequential trigger"):
        trigger_op(if_running="queue", api_version=1)
    with pytest.raises(ValueError, match="the connection sets api_version 1"):
        trigger_op(if_running="queue").execute(context())
    assert logged(v1) == []


def test_task_retry_does_not_start_a_second_run(v1):
    v1.client.patch_job(IMPORT, run_seconds=1.5)
    first_try = trigger_op(wait_for_completion=False).execute(context())
    assert run_deferrable(trigger_op(deferrable=True), context()) == first_try
    assert len(requests_for(v1, "trigger_v1")) == 1


@BOTH_MODES
def test_timeout_stops_the_run_with_job_kill_and_says_so(v1, deferrable):
    v1.client.patch_job(IMPORT, run_seconds=30)
    ctx = context()
    with pytest.raises(DatameerJobTimeout) as info:
        run_deferrable(trigger_op(deferrable=deferrable, timeout=1), ctx)
    ours = ctx["ti"].xcom["job_execution_id"]
    assert re.search(rf"Timed out after \d+ s waiting for Datameer job {CONFIG} execution {ours};", str(info.value))
    assert f"the Datameer job (execution {ours}) was stopped" in str(info.value)
    assert kills(v1) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(v1, ours)["status"] == "CANCELED"


def test_timeout_after_a_deferral_stops_the_run_from_a_fresh_operator(v1):
    """In Airflow, ``execute_complete`` runs on a new operator object, which never saw ``execute``: it must
    still stop the run the V1 way the connection says (regression: it stopped with V2 status, a 404 here)."""
    v1.client.patch_job(IMPORT, run_seconds=30)
    ctx = context()
    with pytest.raises(TaskDeferred) as deferred:
        trigger_op(deferrable=True, timeout=1).execute(ctx)
    event = asyncio.run(first_event(deferred.value.trigger))
    assert event["status"] == "timeout"

    with pytest.raises(DatameerJobTimeout, match="was stopped"):
        trigger_op(deferrable=True, timeout=1).execute_complete(ctx, event)

    ours = ctx["ti"].xcom["job_execution_id"]
    assert kills(v1) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(v1, ours)["status"] == "CANCELED"


def test_on_kill_stops_the_run(v1):
    v1.client.patch_job(IMPORT, run_seconds=30)
    op = trigger_op(wait_for_completion=False)
    ours = op.execute(context())
    op.on_kill()
    assert kills(v1) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(v1, ours)["status"] == "CANCELED"


async def test_deferred_task_marked_failed_stops_the_run(v1):
    """Airflow 3.3+ calls the trigger's ``on_kill``; the serialised kwargs carry the API generation."""
    v1.client.patch_job(IMPORT, run_seconds=30)
    ctx = context()
    with pytest.raises(TaskDeferred) as deferred:
        trigger_op(deferrable=True).execute(ctx)
    kwargs = deferred.value.trigger.serialize()[1]
    assert kwargs["api_version"] == 1
    rebuilt = DatameerJobTrigger(**kwargs)
    task = asyncio.ensure_future(first_event(rebuilt))
    await asyncio.sleep(0.5)
    task.cancel()
    await rebuilt.on_kill()
    ours = ctx["ti"].xcom["job_execution_id"]
    assert kills(v1) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(v1, ours)["status"] == "CANCELED"


def test_the_new_run_is_awaited_for_its_grace_then_a_clear_error(v1):
    """An answer without an id (its shape is not documented), and a V1 status that shows the new run only after
    ``visibility_delay``: within the grace it is found, beyond it the task fails saying what happened."""
    v1.client.set_switches(v1_trigger_body="empty")
    v1.client.patch_job(IMPORT, visibility_delay=1.0)
    assert status(run_deferrable(trigger_op(no_execution_grace=10), context())) == "COMPLETED"

    v1.client.patch_job(IMPORT, visibility_delay=30)
    with pytest.raises(DatameerUnexpectedResponseError, match=f"no new execution of configuration {CONFIG}"):
        trigger_op(no_execution_grace=0.5).execute(context())


def test_looking_for_the_new_run_ends_at_the_timeout_without_a_grace(v1):
    """``no_execution_grace=None`` waits for the run to appear until the task's timeout, not for ever."""
    v1.client.set_switches(v1_trigger_body="empty")
    v1.client.patch_job(IMPORT, visibility_delay=20)
    started = time.monotonic()

    def hung(signum, frame):  # bounds the test if the lookup ignored the deadline (it runs in the main thread:
        raise AssertionError("the lookup did not end at the timeout")  # Airflow 2 refuses execute() in others)

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(15)
    try:
        with pytest.raises(DatameerUnexpectedResponseError, match="timeout"):
            trigger_op(no_execution_grace=None, timeout=1).execute(context())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 15


def test_an_unknown_configuration_fails_at_once_asking_for_the_configuration_id(v1):
    """Regression: the not-found hint asked for "a file id, uuid or path — not the configuration id"."""
    with pytest.raises(DatameerNotFoundError) as info:
        trigger_op(job_id=999).execute(context())
    message = str(info.value)
    assert "No job configuration with id 999" in message
    assert 'configuration id, the job\'s "ID" in Datameer, not its "File ID"' in message
    assert "not the configuration id" not in message
    assert len(logged(v1)) == 1


@pytest.mark.parametrize("task", [trigger_op, sensor, stop_op])
@pytest.mark.parametrize("value", [0, 3, True, "1"])
def test_a_bad_api_version_is_refused_at_construction(task, value):
    """Regression: the sensor took ``api_version=0`` as "the connection's" without a word."""
    with pytest.raises(ValueError, match=f"api_version must be 1, 2 or None .*got {value!r}"):
        task(api_version=value)


# ---------------------------------------------------------------------------------------------- sensor
@OUTCOMES
@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferred"])
def test_sensor_outcomes(v1, deferrable, outcome, fail_on_warnings, passes):
    execution_id = run_v1(v1, outcome=outcome)
    op = sensor(execution_id=str(execution_id), fail_on_warnings=fail_on_warnings, deferrable=deferrable)
    ctx = context()
    wait = run_deferrable if deferrable else poke_until_done
    if passes:
        summary = wait(op, ctx)
        assert (summary["execution_id"], summary["status"]) == (execution_id, outcome)
        assert summary["success_count"] is not None
    else:
        with pytest.raises(DatameerJobFailed) as info:
            wait(op, ctx)
        assert f"Datameer job {CONFIG} execution {execution_id} ended {outcome}" in str(info.value)
    assert ctx["ti"].xcom == {
        "job_execution_id": execution_id,
        "job_url": f"{v1.url}/file-job?jobExecutionId={execution_id}",
    }


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferred"])
def test_unpinned_sensor_pins_the_running_execution(v1, deferrable):
    execution_id = run_v1(v1)
    op = sensor(deferrable=deferrable)
    summary = run_deferrable(op, context()) if deferrable else poke_until_done(op, context())
    assert summary["execution_id"] == execution_id


def test_sensor_timeout_fails_without_stopping_the_run(v1):
    execution_id = run_v1(v1, run_seconds=30)
    with pytest.raises(DatameerJobTimeout, match=f"Timed out .* execution {execution_id}"):
        run_deferrable(sensor(execution_id=execution_id, deferrable=True, timeout=1), context())
    assert kills(v1) == []


async def test_canceled_run_is_an_error(v1):
    execution_id = run_v1(v1, run_seconds=30)
    task = asyncio.ensure_future(
        first_event(DatameerJobTrigger(job_id=CONFIG, execution_id=execution_id, poll_interval=0.2, api_version=1))
    )
    await asyncio.sleep(0.5)
    await DatameerHook().astop_job_v1(execution_id)
    event = await task
    assert (event["status"], event["job_status"]) == ("error", "CANCELED")


@pytest.mark.parametrize(("ours", "newer"), [("ERROR", "COMPLETED"), ("COMPLETED", "ERROR")])
def test_a_newer_run_never_decides_ours_is_read_from_job_details(v1, ours, newer):
    ours_id = run_v1(v1, outcome=ours, run_seconds=1.0)
    newer_id = v1.client.trigger_as(IMPORT, "scheduler")
    v1.client.patch_execution(newer_id, finish=newer)
    op = sensor(execution_id=ours_id, deferrable=True)
    if ours == "COMPLETED":
        assert run_deferrable(op, context())["status"] == "COMPLETED"
    else:
        with pytest.raises(DatameerJobFailed, match=f"execution {ours_id} ended ERROR"):
            run_deferrable(op, context())
    assert any(r["path"].endswith(f"/job-details/{ours_id}") for r in requests_for(v1, "job_details"))


# ---------------------------------------------------------------------------------------------- ownership
@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferred"])
def test_a_configuration_that_never_ran_is_not_resolved_from_another_jobs_execution(v1, deferrable):
    other = run_v1(v1, queue_seconds=0, run_seconds=0)
    op = sensor(job_id=CONFIGURATION[WORKBOOK], execution_id=other, deferrable=deferrable, no_execution_grace=0.5)
    with pytest.raises(DatameerJobFailed) as failed:
        run_deferrable(op, context()) if deferrable else poke_until_done(op, context())
    assert f"job {CONFIGURATION[WORKBOOK]} has never run" in str(failed.value)
    assert f"execution {other}" in str(failed.value)
    assert not logged(v1, "job_details")


def test_stop_operator_refuses_an_execution_of_another_configuration(v1):
    run_v1(v1, queue_seconds=0, run_seconds=0)  # configuration 41 ran once
    other = run_v1(v1, LONG, queue_seconds=0, run_seconds=600)
    with pytest.raises(AirflowException, match=f"Refusing to stop execution {other}.*stop_job_v1"):
        stop_op(job_id=CONFIG, execution_id=other).execute(context())
    assert execution(v1, other)["status"] == "RUNNING"
    assert kills(v1) == []
    assert [r["path"] for r in requests_for(v1, "job_history")] == [
        f"/rest/job-configuration/job-history/{CONFIG}?start=0&length=50"
    ]


# ---------------------------------------------------------------------------------------------- stop operator
def test_stop_by_job_kills_the_current_run_and_waits_for_termination(v1):
    ours = run_v1(v1, LONG, run_seconds=600)
    result = stop_op().execute(context())
    assert result == {"job_id": str(CONFIGURATION[LONG]), "execution_id": ours, "status": "CANCELED"}
    assert kills(v1) == [f"/rest/job-execution/job-kill/{ours}"]


def test_stop_by_execution_id_kills_exactly_that_run(v1):
    """A newer run hides ours from the V1 status and the classic details name no job: the configuration's
    job history lists ours, which is Datameer's word that it is the job's (regression: refused)."""
    ours = run_v1(v1, LONG, run_seconds=600)
    newer = v1.client.trigger_as(LONG, "scheduler")
    result = stop_op(execution_id=str(ours)).execute(context())
    assert (result["execution_id"], result["status"]) == (ours, "CANCELED")
    assert kills(v1) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(v1, newer)["status"] != "CANCELED"


def test_stop_with_nothing_running_is_a_logged_no_op(v1):
    result = stop_op().execute(context())
    assert result["status"] == "_NONE"
    assert kills(v1) == []
