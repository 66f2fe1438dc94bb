"""F11-F14: the task's own life cycle — triggerer restarts, kills, timeouts and retries.

Where Airflow itself is the subject (``execution_timeout`` calling ``on_kill``), tests/faults/test_airflow.py
runs a real ``airflow dags test``; a real ``airflow triggerer`` killed and restarted mid-wait, and a task
marked failed through the REST API while deferred, are exercised under ``airflow standalone`` in tests/e2e.
Here the operator, sensor and trigger are driven the way those processes drive them.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_datameer.operators.outcome import DatameerJobFailed, DatameerJobTimeout
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests.faults.support import BOTH_MODES, sensor
from tests.support import FAST, context, execution, first_event, run_deferrable, trigger_op, wait_for_logged
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


def deferred(op: Any, ctx: dict[str, Any]) -> DatameerJobTrigger:
    """Run ``op.execute`` up to its deferral and return the trigger it handed to the triggerer."""
    with pytest.raises(TaskDeferred) as info:
        op.execute(ctx)
    return info.value.trigger


def rebuilt(trigger: DatameerJobTrigger) -> DatameerJobTrigger:
    """The trigger as a new triggerer process builds it: from the classpath and JSON-stored kwargs."""
    from airflow.sdk.module_loading import import_string

    classpath, kwargs = trigger.serialize()
    return import_string(classpath)(**json.loads(json.dumps(kwargs)))


async def run_then_cancel(trigger: DatameerJobTrigger, emulator: Any, polls: int) -> None:
    """Run a trigger until the emulator has answered ``polls`` status requests, then cancel it (as a dying
    triggerer or a user's "mark failed" does)."""
    task = asyncio.ensure_future(first_event(trigger))
    before = len(requests_for(emulator, "status_v2"))
    await asyncio.to_thread(wait_for_logged, emulator, "status_v2", before + polls)
    assert not task.done(), "the run ended before the trigger could be interrupted"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def stops(emulator: Any) -> list[str]:
    """Paths of the stop requests the emulator received."""
    return [r["path"] for r in requests_for(emulator, "stop_v2", "stop_v1")]


# ---------------------------------------------------------------------------------------------- F11
@pytest.mark.parametrize("outcome", ["COMPLETED", "ERROR"])
def test_f11_triggerer_restart_mid_wait_resumes_the_same_execution(emulator, outcome):
    """The first triggerer dies after two polls; a new one, in a new event loop, rebuilds the trigger from
    its serialised kwargs, and a fresh operator resumes with its event: same execution, right outcome."""
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=1.0, outcome=outcome)
    ctx = context()
    trigger = deferred(trigger_op(deferrable=True), ctx)
    asyncio.run(run_then_cancel(trigger, emulator, polls=2))

    event = asyncio.run(first_event(rebuilt(trigger)))
    resumed = trigger_op(deferrable=True)
    if outcome == "COMPLETED":
        assert resumed.execute_complete(ctx, event) == ctx["ti"].xcom["job_execution_id"]
    else:
        with pytest.raises(DatameerJobFailed, match=f"execution {ctx['ti'].xcom['job_execution_id']} ended ERROR"):
            resumed.execute_complete(ctx, event)

    assert event["execution_id"] == ctx["ti"].xcom["job_execution_id"]
    assert len(requests_for(emulator, "trigger_v2")) == 1
    assert stops(emulator) == []


def test_f11_restart_after_the_deadline_times_out_and_stops_the_run(emulator):
    """A triggerer that comes back after the task's deadline fires the timeout at once; the task stops the run."""
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=60)
    ctx = context()
    trigger = deferred(trigger_op(deferrable=True, timeout=1), ctx)
    asyncio.run(run_then_cancel(trigger, emulator, polls=1))
    time.sleep(max(0.0, trigger.deadline - time.time()) + 0.1)  # no triggerer runs until after the deadline

    event = asyncio.run(first_event(rebuilt(trigger)))
    with pytest.raises(DatameerJobTimeout, match="Timed out"):
        trigger_op(deferrable=True, timeout=1).execute_complete(ctx, event)
    assert execution(emulator, ctx["ti"].xcom["job_execution_id"])["status"] == "CANCELED"


# ---------------------------------------------------------------------------------------------- F12
def test_f12_task_killed_in_the_worker_stops_the_run(emulator):
    """Airflow calls ``on_kill`` from the worker when the task is killed; the wait then sees the cancel."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=60)
    op = trigger_op(deferrable=False)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(op.execute, context())
        wait_for_logged(emulator, "status_v2", 3)  # the pre-trigger read and two polls
        op.on_kill()
        with pytest.raises(DatameerJobFailed, match=r"execution \d+ ended CANCELED"):
            waiting.result(timeout=60)

    assert stops(emulator) == ["/api/job-execution/48/stop"]
    assert execution(emulator, op.execution_id)["status"] == "CANCELED"


def test_f12_kill_stops_only_our_run_when_a_newer_one_is_queued(emulator):
    """V2 stop would cancel every active run of the file; with a newer run queued, ours is stopped by id."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=60)
    op = trigger_op(wait_for_completion=False)
    ours = op.execute(context())
    newer = emulator.client.trigger_as(48, "scheduler")

    op.on_kill()

    assert stops(emulator) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(emulator, ours)["status"] == "CANCELED"
    assert execution(emulator, newer)["status"] != "CANCELED"


@pytest.mark.parametrize("restarted", [False, True], ids=["same-triggerer", "after-triggerer-restart"])
def test_f12_marked_failed_while_deferred_stops_the_run(emulator, restarted):
    """Airflow 3.3 cancels the trigger and calls ``trigger.on_kill()`` when a user marks the deferred task;
    the operator asked for ``stop_on_kill``. After a triggerer restart the rebuilt trigger has not polled
    yet and still knows which run to stop."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=60)
    ctx = context()
    trigger = deferred(trigger_op(deferrable=True), ctx)

    async def mark_failed() -> None:
        killed = trigger
        if restarted:
            await run_then_cancel(trigger, emulator, polls=1)
            killed = rebuilt(trigger)
        else:
            await run_then_cancel(trigger, emulator, polls=2)
        await killed.on_kill()

    asyncio.run(mark_failed())

    assert stops(emulator) == ["/api/job-execution/48/stop"]
    assert execution(emulator, ctx["ti"].xcom["job_execution_id"])["status"] == "CANCELED"


def test_f12_deferred_sensor_marked_failed_leaves_the_run_alone(emulator):
    """A sensor watches someone else's run: no stop is owed when it is killed."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=60)
    execution_id = trigger_op(wait_for_completion=False).execute(context())
    trigger = deferred(sensor(execution_id=execution_id), context())

    async def mark_failed() -> None:
        await run_then_cancel(trigger, emulator, polls=1)
        await trigger.on_kill()

    asyncio.run(mark_failed())

    assert stops(emulator) == []
    assert execution(emulator, execution_id)["status"] == "RUNNING"


# ---------------------------------------------------------------------------------------------- F13
@BOTH_MODES
def test_f13_timeout_stops_the_run_and_says_it_timed_out(emulator, deferrable):
    emulator.client.patch_job(48, queue_seconds=0.1, run_seconds=60)
    ctx = context()

    with pytest.raises(DatameerJobTimeout) as info:
        run_deferrable(trigger_op(deferrable=deferrable, timeout=1), ctx)

    ours = ctx["ti"].xcom["job_execution_id"]
    message = str(info.value)
    assert f"Timed out after 1 s waiting for Datameer job 48 execution {ours}" in message
    assert f"the Datameer job (execution {ours}) was stopped" in message
    assert stops(emulator) == ["/api/job-execution/48/stop"]
    assert execution(emulator, ours)["status"] == "CANCELED"


def test_f13_timeout_with_a_newer_run_queued_stops_only_ours(emulator):
    emulator.client.patch_job(48, queue_seconds=0.1, run_seconds=60)
    ctx = context()
    trigger = deferred(trigger_op(deferrable=True, timeout=1), ctx)
    ours = ctx["ti"].xcom["job_execution_id"]
    newer = emulator.client.trigger_as(48, "scheduler")

    event = asyncio.run(first_event(trigger))
    with pytest.raises(DatameerJobTimeout, match=f"execution {ours}.* was stopped"):
        trigger_op(deferrable=True, timeout=1).execute_complete(ctx, event)

    assert stops(emulator) == [f"/rest/job-execution/job-kill/{ours}"]
    assert execution(emulator, newer)["status"] != "CANCELED"


def test_f13_sensor_timeout_fails_without_stopping_a_run_it_did_not_start(emulator):
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=60)
    execution_id = trigger_op(wait_for_completion=False).execute(context())

    with pytest.raises(DatameerJobTimeout, match=f"Timed out .* waiting for Datameer job 48 execution {execution_id}"):
        run_deferrable(sensor(execution_id=execution_id, timeout=1), context())

    assert stops(emulator) == []


# ---------------------------------------------------------------------------------------------- F14
@pytest.mark.parametrize("phase", ["QUEUED", "RUNNING"])
def test_f14_retry_after_the_first_try_triggered_joins_its_run(emulator, phase):
    """The first try triggered and deferred, then died (worker lost, trigger event never delivered). The
    retry finds the run still active and waits for it instead of starting another."""
    queue, run = (1.0, 0.3) if phase == "QUEUED" else (0.0, 1.3)
    emulator.client.patch_job(48, queue_seconds=queue, run_seconds=run)
    first_try = context()
    deferred(trigger_op(deferrable=True), first_try)
    assert execution(emulator, first_try["ti"].xcom["job_execution_id"])["status"] == phase

    retry = context()
    assert (
        run_deferrable(trigger_op(deferrable=True, if_running="wait"), retry)
        == first_try["ti"].xcom["job_execution_id"]
    )
    assert retry["ti"].xcom == first_try["ti"].xcom
    assert len(requests_for(emulator, "trigger_v2")) == 1


def test_f14_retry_after_a_trigger_answered_too_late_joins_the_run_it_started(emulator, datameer_conn):
    """The first try's trigger timed out (F3) although Datameer started the run, which the try did not see
    within its ``no_execution_grace`` (it looks first: tests/faults/test_transient.py); the retry joins it."""
    datameer_conn(timeout=0.3)
    emulator.client.patch_job(48, **FAST)
    emulator.client.add_fault(kind="delay", seconds=2.0, endpoint="trigger_v2", count=1)  # the run starts late
    with pytest.raises(Exception, match=r"no answer within .* no run of it appeared within 0\.1 s"):
        trigger_op(deferrable=True, no_execution_grace=0.1).execute(context())
    wait_for_logged(emulator, "trigger_v2", 1)

    execution_id = run_deferrable(trigger_op(deferrable=True), context())

    assert len(requests_for(emulator, "trigger_v2")) == 1
    assert [e["id"] for e in emulator.client.state()["executions"]] == [execution_id]
