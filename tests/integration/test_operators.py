"""DatameerTriggerJobOperator and DatameerStopJobOperator against the emulator."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from airflow.providers.common.compat.sdk import AirflowException, TaskDeferred

from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerNotFoundError,
    DatameerTransientError,
)
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed, DatameerJobTimeout
from tests.integration.support import stop_op
from tests.support import FAST, context, run_deferrable, trigger_op
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn")


@pytest.fixture
def fast_jobs(emulator):
    for file_id in (48, 62, 63):
        emulator.client.patch_job(file_id, **FAST)
    return emulator


@pytest.mark.parametrize("deferrable", [False, True])
def test_trigger_and_wait(fast_jobs, deferrable):
    ctx = context()
    execution_id = run_deferrable(trigger_op(deferrable=deferrable), ctx)
    assert isinstance(execution_id, int)
    assert ctx["ti"].xcom == {
        "job_execution_id": execution_id,
        "job_url": f"{fast_jobs.url}/file-job?jobExecutionId={execution_id}",
    }
    assert len(requests_for(fast_jobs, "trigger_v2")) == 1
    assert DatameerHook().get_job_status(48).status.value == "COMPLETED"


def test_publishes_before_it_waits_and_defers_with_stop_on_kill(fast_jobs):
    ctx = context()
    with pytest.raises(TaskDeferred) as info:
        trigger_op(deferrable=True, timeout=300).execute(ctx)
    kwargs = info.value.trigger.serialize()[1]
    assert kwargs["execution_id"] == ctx["ti"].xcom["job_execution_id"]
    assert kwargs["stop_on_kill"] is True
    assert 290 < kwargs["deadline"] - time.time() <= 300


def test_deferred_wait_ends_before_execution_timeout_so_the_run_is_stopped(fast_jobs):
    ctx = context()
    with pytest.raises(TaskDeferred) as info:
        trigger_op(deferrable=True, timeout=300, execution_timeout=timedelta(seconds=20)).execute(ctx)
    assert 15 < info.value.trigger.serialize()[1]["deadline"] - time.time() <= 18


def test_no_wait_returns_the_execution_at_once(fast_jobs):
    fast_jobs.client.patch_job(48, run_seconds=30)
    execution_id = trigger_op(wait_for_completion=False).execute(context())
    assert DatameerHook().get_job_status(48).execution_id == execution_id


def test_error_run_fails_with_job_details(fast_jobs):
    with pytest.raises(DatameerJobFailed) as info:
        run_deferrable(trigger_op(job_id=62, deferrable=True), context())
    assert "ended ERROR" in str(info.value)
    assert "failure count" in str(info.value)


def test_if_running_wait_joins_the_active_run(fast_jobs):
    fast_jobs.client.patch_job(48, run_seconds=1.5)
    active = DatameerHook().trigger_job(48).execution_id
    fast_jobs.client.clear_requests()
    assert run_deferrable(trigger_op(if_running="wait"), context()) == active
    assert requests_for(fast_jobs, "trigger_v2", "trigger_sequential") == []


def test_if_running_queue_starts_a_run_behind_it(fast_jobs):
    fast_jobs.client.patch_job(48, run_seconds=1.0)
    active = DatameerHook().trigger_job(48).execution_id
    queued = run_deferrable(trigger_op(if_running="queue", deferrable=True), context())
    assert queued > active
    assert len(requests_for(fast_jobs, "trigger_sequential")) == 1
    assert DatameerHook().get_job_details(active).status.value == "COMPLETED"


def test_if_running_fail_names_the_active_execution(fast_jobs):
    fast_jobs.client.patch_job(48, run_seconds=30)
    active = DatameerHook().trigger_job(48).execution_id
    with pytest.raises(AirflowException, match=f"active execution {active}.*if_running='fail'"):
        trigger_op(if_running="fail").execute(context())


def test_bad_if_running_is_rejected_at_parse_time():
    with pytest.raises(ValueError, match="if_running must be one of wait, queue, fail"):
        trigger_op(if_running="sometimes")


@pytest.mark.parametrize("deferrable", [False, True])
def test_timeout_stops_the_job_and_says_so(fast_jobs, deferrable):
    fast_jobs.client.patch_job(48, run_seconds=30)
    with pytest.raises(DatameerJobTimeout) as info:
        run_deferrable(trigger_op(deferrable=deferrable, timeout=1), context())
    assert "Timed out" in str(info.value)
    assert "was stopped" in str(info.value)
    assert DatameerHook().get_job_status(48).status.value == "CANCELED"


def test_on_kill_stops_the_run_and_never_raises(fast_jobs, datameer_conn):
    fast_jobs.client.patch_job(48, run_seconds=30)
    op = trigger_op(wait_for_completion=False)
    op.execute(context())
    op.on_kill()
    assert DatameerHook().get_job_status(48).status.value == "CANCELED"
    datameer_conn(password="wrong")  # a failing stop is logged, not raised
    trigger_op(wait_for_completion=False).on_kill()
    op2 = trigger_op()
    op2.execution_id = 1
    op2.on_kill()


def test_task_retry_does_not_start_a_second_run(fast_jobs):
    fast_jobs.client.patch_job(48, run_seconds=1.5)
    first_try = trigger_op(wait_for_completion=False).execute(context())
    retry = run_deferrable(trigger_op(), context())
    assert retry == first_try
    assert len(requests_for(fast_jobs, "trigger_v2")) == 1


# ---------------------------------------------------------------------------------------------- bad input
def test_unknown_job_fails_at_once(fast_jobs):
    with pytest.raises(DatameerNotFoundError, match="File doesn't exist"):
        trigger_op(job_id=999).execute(context())
    assert len(fast_jobs.client.requests()) == 1


def test_wrong_credentials_fail_at_once(fast_jobs, datameer_conn):
    datameer_conn(password="nope")
    with pytest.raises(DatameerAuthError, match="credentials were refused"):
        trigger_op().execute(context())
    assert len(fast_jobs.client.requests()) == 1


@pytest.mark.parametrize("job_id", ["", "sales_wb", "-3"])
def test_malformed_job_id_fails_before_any_request(fast_jobs, job_id):
    with pytest.raises(ValueError, match="job_id"):
        trigger_op(job_id=job_id).execute(context())
    assert fast_jobs.client.requests() == []


def test_unreachable_server_fails_after_retries(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAMEER_DEFAULT",
        '{"conn_type": "datameer", "host": "127.0.0.1", "port": 9, "login": "a", "password": "b",'
        ' "extra": {"retries": {"attempts": 2, "backoff": 0.01}}}',
    )
    with pytest.raises(DatameerTransientError) as info:
        trigger_op().execute(context())
    assert "could not connect" in str(info.value)
    assert "gave up after 2 attempts" in str(info.value)


# ---------------------------------------------------------------------------------------------- stop
def test_stop_running_job_and_wait_for_termination(fast_jobs):
    fast_jobs.client.patch_job(63, run_seconds=30)
    execution_id = DatameerHook().trigger_job(63).execution_id
    result = stop_op().execute(context())
    assert result == {"job_id": "63", "execution_id": execution_id, "status": "CANCELED"}
    assert len(requests_for(fast_jobs, "stop_v2")) == 1


def test_stop_by_execution_id_uses_job_kill(fast_jobs):
    fast_jobs.client.patch_job(63, run_seconds=30)
    execution_id = DatameerHook().trigger_job(63).execution_id
    result = stop_op(execution_id=str(execution_id)).execute(context())
    assert result["status"] == "CANCELED"
    assert [r["path"] for r in requests_for(fast_jobs, "stop_v1")] == [f"/rest/job-execution/job-kill/{execution_id}"]


def test_stop_with_nothing_running_is_a_logged_no_op(fast_jobs):
    result = stop_op().execute(context())
    assert result["status"] == "_NONE"
    assert requests_for(fast_jobs, "stop_v2", "stop_v1") == []
