"""The trigger's kill path on every Airflow version, driven through that version's own ``TriggerRunner``.

When a user marks or clears a deferred task, the triggerer cancels the trigger. Airflow 3.3+ cancels it "by
user action" and awaits ``trigger.on_kill()``, which stops the Datameer run when the operator asked for it
(``stop_on_kill``). Older versions only cancel: ``on_kill`` is never called, the run keeps going, and the
cancellation still ends cleanly.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest
from structlog.testing import capture_logs

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests.support import AIRFLOW_VERSION, TRIGGER_ON_KILL, requires_airflow

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")

TRIGGER_ID = 4242


def running_execution(emulator: Any) -> int:
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=600)
    return DatameerHook().trigger_job(48).execution_id


async def until_polled(emulator: Any, polls: int, deadline: float = 60.0) -> None:
    """Wait until the trigger has asked for the status ``polls`` times (a generous deadline, not a timing check)."""
    end = time.monotonic() + deadline
    while len(emulator.client.requests("status_v2")) < polls:
        assert time.monotonic() < end, f"the trigger did not poll {polls} times within {deadline:g} s"
        await asyncio.sleep(0.05)


async def user_kills_while_waiting(trigger: DatameerJobTrigger, emulator: Any) -> None:
    """Run the trigger as this Airflow's triggerer does, then cancel it the way a user's action does."""
    from airflow.jobs.triggerer_job_runner import TriggerRunner

    runner = TriggerRunner()
    trigger.trigger_id = TRIGGER_ID
    # What the runner reads on cancellation: Airflow 2 the task instance's trigger_timeout, 3.0-3.2 the
    # trigger's timeout_after; Airflow 3.3 takes a task instance of None for a trigger without one.
    trigger.task_instance = SimpleNamespace(trigger_timeout=None) if AIRFLOW_VERSION.major < 3 else None
    trigger.timeout_after = None
    runner.triggers[TRIGGER_ID] = {"name": "compat/kill", "events": 0, "is_watcher": False}
    task = asyncio.create_task(runner.run_trigger(TRIGGER_ID, trigger))
    runner.triggers[TRIGGER_ID]["task"] = task
    await until_polled(emulator, 2)
    runner.to_cancel.append(TRIGGER_ID)
    await runner.cancel_triggers()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runner.events == type(runner.events)(), "a killed trigger fires no event"


def waiting_trigger(execution_id: int) -> DatameerJobTrigger:
    return DatameerJobTrigger(
        job_id=48, execution_id=execution_id, stop_on_kill=True, poll_interval=0.2, min_poll_interval=0.1
    )


@requires_airflow(">=3.3", "the triggerer calls BaseTrigger.on_kill")
async def test_from_3_3_a_user_kill_stops_the_datameer_run(emulator):
    execution_id = running_execution(emulator)

    await user_kills_while_waiting(waiting_trigger(execution_id), emulator)

    assert [r["path"] for r in emulator.client.requests() if r["endpoint"] in ("stop_v2", "stop_v1")] == [
        "/api/job-execution/48/stop"
    ]
    assert (await DatameerHook().aget_job_status(48)).status.value == "CANCELED"


@requires_airflow("<3.3", "BaseTrigger.on_kill does not exist before 3.3")
async def test_before_3_3_a_user_kill_cancels_cleanly_and_leaves_the_run_alone(emulator):
    from airflow.triggers.base import BaseTrigger

    assert not hasattr(BaseTrigger, "on_kill"), "the premise: this Airflow has no trigger kill hook"
    execution_id = running_execution(emulator)

    await user_kills_while_waiting(waiting_trigger(execution_id), emulator)

    assert emulator.client.requests("stop_v2") == emulator.client.requests("stop_v1") == []
    status = await DatameerHook().aget_job_status(48)
    assert (status.execution_id, status.status.value) == (execution_id, "RUNNING")


def test_the_version_flag_matches_airflow():
    from airflow.triggers.base import BaseTrigger

    assert hasattr(BaseTrigger, "on_kill") is TRIGGER_ON_KILL


def task_instance_in(state: str) -> SimpleNamespace:
    return SimpleNamespace(dag_id="d", run_id="r", task_id="run", map_index=-1, trigger_timeout=None, state=state)


@requires_airflow(">=3.3", "the triggerer calls BaseTrigger.on_kill")
@pytest.mark.parametrize(("state", "stopped"), [("deferred", False), ("failed", True), ("success", True)])
async def test_a_copy_cancelled_while_the_task_is_still_deferred_leaves_the_run_alone(emulator, mocker, state, stopped):
    """A triggerer that missed its heartbeat cancels its moved triggers "by user action" (apache/airflow#73454).
    Only a task that left DEFERRED (marked failed/success, cleared) was killed by a user. The task's state comes
    from Airflow's execution API, which has no server in this test: Airflow's call is answered here (the real
    one runs in tests/topology/test_two_copies.py)."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    mocker.patch.object(RuntimeTaskInstance, "get_task_states", autospec=True, return_value={"r": {"run": state}})
    execution_id = running_execution(emulator)
    trigger = waiting_trigger(execution_id)
    trigger.task_instance = task_instance_in(state)

    await trigger.on_kill()

    stops = [r["path"] for r in emulator.client.requests() if r["endpoint"] in ("stop_v2", "stop_v1")]
    assert stops == (["/api/job-execution/48/stop"] if stopped else [])


@requires_airflow(">=3.3", "the triggerer calls BaseTrigger.on_kill")
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (ConnectionError("the supervisor did not answer"), "(the supervisor did not answer)"),
        (TimeoutError(), "(no answer within"),  # issue 24: it used to log an empty "()"
    ],
    ids=["refused", "silent"],
)
async def test_when_the_state_cannot_be_read_the_kill_is_taken_as_a_users(emulator, mocker, caplog, failure, reason):
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    mocker.patch.object(RuntimeTaskInstance, "get_task_states", autospec=True, side_effect=failure)
    trigger = waiting_trigger(running_execution(emulator))
    trigger.task_instance = task_instance_in("failed")

    with capture_logs() as logged:
        await trigger.on_kill()

    assert [r["path"] for r in emulator.client.requests("stop_v2")] == ["/api/job-execution/48/stop"]
    warnings = [str(entry.get("event")) for entry in logged] + [r.getMessage() for r in caplog.records]
    assert any("Could not read the task's state " + reason in text for text in warnings), warnings
