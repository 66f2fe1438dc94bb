"""DatameerJobTrigger.run() against the emulator: every status path, pinning, grace, error budget,
deadline, restart from serialised kwargs, and the kill path."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests.support import FAST, first_event, task_log
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


def start(emulator, file_id=48, **job):
    emulator.client.patch_job(file_id, **{**FAST, **job})
    return DatameerHook().trigger_job(file_id).execution_id


def trigger(execution_id=None, job_id=48, **kw):
    kw.setdefault("poll_interval", 0.2)
    kw.setdefault("min_poll_interval", 0.1)
    return DatameerJobTrigger(job_id=job_id, execution_id=execution_id, **kw)


@pytest.mark.parametrize(
    ("outcome", "fail_on_warnings", "status"),
    [
        ("COMPLETED", False, "success"),
        ("COMPLETED_WITH_WARNINGS", False, "success"),
        ("COMPLETED_WITH_WARNINGS", True, "error"),
        ("ERROR", False, "error"),
    ],
)
async def test_terminal_statuses(emulator, outcome, fail_on_warnings, status):
    execution_id = start(emulator, outcome=outcome)
    event = await first_event(trigger(execution_id, fail_on_warnings=fail_on_warnings))
    assert event["status"] == status
    assert event["execution_id"] == execution_id
    assert event["job_status"] == outcome
    assert event["file_id"] == 48
    assert event["stop_time"]


async def test_canceled_run_is_an_error(emulator):
    execution_id = start(emulator, run_seconds=30)
    task = asyncio.ensure_future(first_event(trigger(execution_id)))
    await asyncio.sleep(0.5)
    await DatameerHook().astop_job(48)
    event = await task
    assert (event["status"], event["job_status"]) == ("error", "CANCELED")
    assert "ended CANCELED" in event["message"]


async def test_stale_success_of_an_older_run_never_passes_ours(emulator):
    old = start(emulator)
    assert (await first_event(trigger(old)))["status"] == "success"
    emulator.client.patch_job(48, visibility_delay=1.5, outcome="ERROR")
    new = DatameerHook().trigger_job(48).execution_id
    assert new > old
    event = await first_event(trigger(new))
    assert (event["status"], event["execution_id"], event["job_status"]) == ("error", new, "ERROR")


async def test_newer_run_shown_by_status_reads_ours_from_job_details(emulator):
    ours = start(emulator, run_seconds=1.0)
    newer = emulator.client.trigger_as(48, "scheduler")
    assert newer > ours
    event = await first_event(trigger(ours))
    assert (event["status"], event["execution_id"], event["job_status"]) == ("success", ours, "COMPLETED")
    assert [r["path"] for r in requests_for(emulator, "job_details")][-1].endswith(f"/{ours}")


async def test_unpinned_trigger_waits_for_the_run_it_sees_first(emulator):
    execution_id = start(emulator)
    event = await first_event(trigger(None))
    assert (event["status"], event["execution_id"]) == ("success", execution_id)


async def test_no_execution_within_grace_is_a_clear_error(emulator):
    event = await first_event(trigger(None, no_execution_grace=0.5))
    assert event["status"] == "error"
    assert "No execution of Datameer job 48 appeared within 0.5 s" in event["message"]


async def test_transient_failures_within_the_budget_are_survived(emulator, datameer_conn):
    datameer_conn(retries=1)
    execution_id = start(emulator, run_seconds=1.5)
    emulator.client.add_fault(kind="http_error", status=503, endpoint="status_v2", count=3)
    event = await first_event(trigger(execution_id, max_consecutive_errors=5))
    assert event["status"] == "success"
    assert sum(r["status"] == 503 for r in requests_for(emulator, "status_v2")) == 3


async def test_error_budget_exhausted_says_unreachable(emulator, datameer_conn):
    datameer_conn(retries=1)
    execution_id = start(emulator, run_seconds=30)
    emulator.client.add_fault(kind="http_error", status=502, endpoint="status_v2")
    event = await first_event(trigger(execution_id, max_consecutive_errors=3))
    assert event["status"] == "error"
    assert "unreachable or failing for 3 polls in a row" in event["message"]
    assert "HTTP 502" in event["message"]


async def test_auth_error_ends_at_once(emulator, datameer_conn):
    execution_id = start(emulator)
    datameer_conn(password="wrong")
    emulator.client.clear_requests()
    event = await first_event(trigger(execution_id))
    assert event["status"] == "error"
    assert "credentials were refused" in event["message"]
    assert len(requests_for(emulator, "status_v2")) == 1


async def test_unknown_status_warns_and_keeps_waiting(emulator, caplog, capsys):
    execution_id = start(emulator, run_seconds=30)
    emulator.client.patch_execution(execution_id, status="PAUSED_BY_ADMIN")
    task = asyncio.ensure_future(first_event(trigger(execution_id)))
    await asyncio.sleep(1.0)
    assert not task.done()
    emulator.client.patch_execution(execution_id, status=None, finish="COMPLETED")
    with caplog.at_level(logging.WARNING):
        event = await task
    assert event["status"] == "success"
    assert "unknown status 'PAUSED_BY_ADMIN'" in task_log(capsys, caplog)


async def test_progress_is_logged_while_running(emulator, caplog, capsys):
    execution_id = start(emulator, run_seconds=1.5)
    with caplog.at_level(logging.INFO):
        await first_event(trigger(execution_id))
    text = task_log(capsys, caplog)
    assert f"Datameer job 48 execution {execution_id} is RUNNING" in text
    assert "% done" in text


async def test_deadline_gives_a_timeout_event(emulator):
    execution_id = start(emulator, run_seconds=30)
    event = await first_event(trigger(execution_id, deadline=time.time() + 0.8))
    assert event["status"] == "timeout"
    assert f"waiting for Datameer job 48 execution {execution_id}" in event["message"]


async def test_serialize_is_json_safe_and_secret_free(emulator, datameer_conn):
    datameer_conn(password="Pa55-word-xyzzy")
    classpath, kwargs = trigger(7, deadline=123.0, stop_on_kill=True).serialize()
    assert classpath == "airflow_provider_datameer.triggers.datameer.DatameerJobTrigger"
    text = json.dumps(kwargs)
    assert "xyzzy" not in text
    assert json.loads(text) == kwargs
    assert kwargs["execution_id"] == 7
    assert kwargs["deadline"] == 123.0
    assert kwargs["stop_on_kill"] is True


async def test_restart_from_serialised_kwargs_resumes_the_same_execution(emulator):
    execution_id = start(emulator, run_seconds=1.5)
    first = trigger(execution_id)
    running = asyncio.ensure_future(first_event(first))
    await asyncio.sleep(0.4)
    running.cancel()  # the triggerer went away mid-wait
    _classpath, kwargs = first.serialize()
    event = await first_event(DatameerJobTrigger(**kwargs))
    assert (event["status"], event["execution_id"]) == ("success", execution_id)
    assert len(requests_for(emulator, "trigger_v2")) == 1


@pytest.mark.parametrize("stop_on_kill", [True, False])
async def test_on_kill_stops_only_when_asked(emulator, stop_on_kill):
    execution_id = start(emulator, run_seconds=30)
    waiting = trigger(execution_id, stop_on_kill=stop_on_kill)
    task = asyncio.ensure_future(first_event(waiting))
    await asyncio.sleep(0.4)
    task.cancel()
    await waiting.on_kill()
    await waiting.cleanup()
    stops = requests_for(emulator, "stop_v2", "stop_v1")
    assert len(stops) == (1 if stop_on_kill else 0)
    status = await DatameerHook().aget_job_status(48)
    assert status.status.value == ("CANCELED" if stop_on_kill else "RUNNING")
