"""The worker-free DatameerJobSensor (start_from_trigger / end_from_trigger) and the defer-race hold,
against the emulator: the trigger is built from the sensor's ``start_trigger_args`` as the scheduler builds
it, and numbered as the triggerer numbers it. Its task-ending events must carry what the deferrable sensor
returns or raises for the same run. The real scheduler and triggerer: tests/e2e/test_worker_free.py."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.triggers.base import TaskFailedEvent, TaskSkippedEvent, TaskSuccessEvent

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor
from airflow_provider_datameer.triggers import defer_hold as settle
from airflow_provider_datameer.triggers import worker_free
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests.support import FAST, context, requires_airflow, run_deferrable, task_log, trigger_op

NEEDS_3_3 = requires_airflow(">=3.3", "worker-free sensors are refused before Airflow 3.3")
pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


def start(emulator, file_id=48, **job):
    emulator.client.patch_job(file_id, **{**FAST, **job})
    return DatameerHook().trigger_job(file_id).execution_id


def free_sensor(**kw):
    kw.setdefault("job_id", 48)
    kw.setdefault("poke_interval", 0.2)
    kw.setdefault("timeout", 60)
    return DatameerJobSensor(task_id="free", start_from_trigger=True, end_from_trigger=True, **kw)


def scheduled_trigger(sensor: DatameerJobSensor, *, in_triggerer: bool = True) -> DatameerJobTrigger:
    """The trigger as the scheduler creates it from ``start_trigger_args``, numbered as by the triggerer."""
    args = sensor.start_trigger_args
    assert args is not None
    assert args.trigger_cls == worker_free.TRIGGER_CLASS
    trigger = DatameerJobTrigger(**args.trigger_kwargs)
    trigger.trigger_id = 1 if in_triggerer else None
    return trigger


async def first(trigger: DatameerJobTrigger, timeout: float = 60.0) -> Any:  # noqa: ASYNC109 (bounds a test)
    async def run() -> Any:
        async for event in trigger.run():
            return event
        raise AssertionError("trigger ended without an event")

    return await asyncio.wait_for(run(), timeout)


# ------------------------------------------------------------------------------------------ where it can run
@pytest.mark.parametrize("airflow", [(2, 11, "2.11.2"), (3, 1, "3.1.0"), (3, 2, "3.2.1")])
@pytest.mark.parametrize("flag", ["start_from_trigger", "end_from_trigger"])
def test_older_airflow_is_refused_naming_the_version_and_the_fix(airflow, flag):
    kwargs = {"start_from_trigger": False, "end_from_trigger": False, flag: True}
    with pytest.raises(worker_free.WorkerFreeUnsupported) as info:
        worker_free.require_support(**kwargs, deferrable=None, airflow=airflow)
    message = str(info.value)
    assert f"{flag}=True" in message
    assert f"needs Airflow 3.3 or newer; this is Airflow {airflow[2]}" in message
    assert "use deferrable=True" in message


def test_supported_airflow_and_no_flags_pass():
    worker_free.require_support(
        start_from_trigger=True, end_from_trigger=True, deferrable=None, airflow=(3, 3, "3.3.2")
    )
    worker_free.require_support(
        start_from_trigger=False, end_from_trigger=False, deferrable=False, airflow=(2, 11, "x")
    )


def test_deferrable_false_conflicts_and_says_so():
    with pytest.raises(worker_free.WorkerFreeUnsupported, match="deferrable=False"):
        free_sensor(deferrable=False)


@NEEDS_3_3
def test_sensor_hands_the_scheduler_its_unrendered_fields():
    sensor = free_sensor(job_id="{{ params.job }}", execution_id="{{ params.run }}", timeout=300)
    assert sensor.start_from_trigger is True
    assert sensor.deferrable is True
    args = sensor.start_trigger_args
    kwargs = args.trigger_kwargs
    assert (kwargs["job_id"], kwargs["execution_id"]) == ("{{ params.job }}", "{{ params.run }}")
    assert kwargs["end_from_trigger"] is True
    assert kwargs["timeout"] == 300
    assert args.next_method == "execute_complete"
    assert args.timeout == timedelta(seconds=300 + 60)  # Airflow's backstop behind the trigger's own timeout
    assert set(worker_free.RENDERED_IN_TRIGGERER) <= set(DatameerJobSensor.template_fields)


@NEEDS_3_3
def test_the_triggerer_renders_the_sensors_templated_fields_into_the_trigger():
    """What Airflow's triggerer does to a start-from-trigger trigger: pick the task's templated fields that the
    trigger has (its ``task_instance`` setter), then render them on the trigger. Each must reach the wait."""
    sensor = free_sensor(
        job_id="{{ params.job }}", execution_id="{{ params.run }}", datameer_conn_id="{{ params.conn }}"
    )
    trigger = DatameerJobTrigger(**sensor.start_trigger_args.trigger_kwargs)
    trigger.task_instance = SimpleNamespace(task_id=sensor.task_id, task=sensor)  # Airflow's own field filter
    assert set(trigger.template_fields) == set(worker_free.RENDERED_IN_TRIGGERER)
    trigger.render_template_fields(context={"params": {"job": 48, "run": 7, "conn": "datameer_other"}})
    assert (trigger.settings.job_id, trigger.settings.execution_id, trigger.settings.datameer_conn_id) == (
        "48",
        "7",
        "datameer_other",
    )
    assert trigger.serialize()[1]["job_id"] == "48"


@pytest.mark.parametrize(
    "execution_id", ["{{ ti.xcom_pull(task_ids='start') }}", "{{ ti.xcom_pull(task_ids='start', map_indexes=-1) }}"]
)
@NEEDS_3_3
def test_an_xcom_pull_the_triggerer_cannot_render_is_refused_with_the_fix(execution_id):
    with pytest.raises(worker_free.WorkerFreeUnsupported) as info:
        free_sensor(execution_id=execution_id)
    message = str(info.value)
    assert "pulling XCom there stalls or never returns" in message
    assert "Leave execution_id unset" in message
    assert "keep end_from_trigger=True" in message
    DatameerJobSensor(task_id="ok", job_id=48, execution_id=execution_id, end_from_trigger=True)  # the fix


# ------------------------------------------------------------------------------------------ same outcomes
@NEEDS_3_3
@pytest.mark.parametrize("outcome", ["COMPLETED", "COMPLETED_WITH_WARNINGS"])
async def test_success_ends_the_task_with_the_deferrable_sensors_summary(emulator, outcome):
    execution_id = start(emulator, outcome=outcome)
    ctx = context()
    expected = await asyncio.to_thread(
        run_deferrable,
        DatameerJobSensor(task_id="twin", job_id=48, execution_id=execution_id, deferrable=True, poke_interval=0.2),
        ctx,
    )
    event = await first(scheduled_trigger(free_sensor(execution_id=str(execution_id))))
    assert isinstance(event, TaskSuccessEvent)
    assert event.xcoms == {"return_value": expected, **ctx["ti"].xcom}
    assert expected["success_count"] is not None
    assert expected["status"] == outcome


@NEEDS_3_3
async def test_error_fails_the_task_with_the_deferrable_sensors_message(emulator, caplog, capsys):
    execution_id = start(emulator, outcome="ERROR")
    with pytest.raises(DatameerJobFailed) as info:
        await asyncio.to_thread(
            run_deferrable,
            DatameerJobSensor(task_id="twin", job_id=48, execution_id=execution_id, deferrable=True, poke_interval=0.2),
            context(),
        )
    with caplog.at_level(logging.INFO):
        event = await first(scheduled_trigger(free_sensor(execution_id=execution_id)))
    assert isinstance(event, TaskFailedEvent)
    assert event.xcoms["job_execution_id"] == execution_id
    assert f"DatameerJobFailed: {info.value}" in task_log(capsys, caplog)
    assert "failure count" in str(info.value)


@NEEDS_3_3
@pytest.mark.parametrize(("soft_fail", "expected"), [(False, TaskFailedEvent), (True, TaskSkippedEvent)])
async def test_timeout_fails_or_skips_and_says_so(emulator, caplog, capsys, soft_fail, expected):
    execution_id = start(emulator, run_seconds=30)
    with caplog.at_level(logging.INFO):
        event = await first(scheduled_trigger(free_sensor(execution_id=execution_id, timeout=1, soft_fail=soft_fail)))
    assert isinstance(event, expected)
    text = task_log(capsys, caplog)
    assert f"Timed out after 1 s waiting for Datameer job 48 execution {execution_id}" in text
    assert ("soft_fail: skipping" in text) is soft_fail


@NEEDS_3_3
async def test_unpinned_sensor_pins_the_run_it_sees_first(emulator):
    execution_id = start(emulator)
    event = await first(scheduled_trigger(free_sensor()))
    assert event.xcoms["return_value"]["execution_id"] == execution_id


@NEEDS_3_3
async def test_a_bad_rendered_execution_id_fails_clearly_before_any_request(emulator, caplog, capsys):
    emulator.client.clear_requests()
    with caplog.at_level(logging.INFO):
        event = await first(scheduled_trigger(free_sensor(execution_id="abc")))
    assert isinstance(event, TaskFailedEvent)
    assert "execution_id must be a non-negative integer (or digit string), got 'abc'" in task_log(capsys, caplog)
    assert emulator.client.requests() == []


@NEEDS_3_3
async def test_outside_a_triggerer_the_trigger_resumes_the_task_as_dags_test_needs(emulator):
    execution_id = start(emulator)
    event = await first(scheduled_trigger(free_sensor(execution_id=execution_id), in_triggerer=False))
    assert type(event).__name__ == "TriggerEvent"
    assert (event.payload["status"], event.payload["execution_id"]) == ("success", execution_id)


def test_deadline_of_a_scheduled_trigger_comes_from_airflows_stored_trigger_timeout():
    timeout_after = datetime(2026, 1, 1, 12, 1, 0, tzinfo=UTC)
    assert worker_free.deadline_from(timeout_after, 999.0, 0.0) == timeout_after.timestamp() - 60
    assert worker_free.deadline_from(None, 30.0, 1000.0) == 1030.0
    assert worker_free.deadline_from(None, None, 1000.0) is None


# ------------------------------------------------------------------------------------------ defer race hold
def test_settle_delay():
    assert settle.settle_delay(100.0, 10.0, now=104.0) == 6.0
    assert settle.settle_delay(100.0, 10.0, now=111.0) == 0.0
    assert settle.settle_delay(None, 10.0, now=0.0) == 0.0
    assert settle.settle_delay(100.0, 0.0, now=100.0) == 0.0


@pytest.mark.parametrize(("in_triggerer", "held"), [(True, True), (False, False)])
async def test_a_quick_event_is_held_until_the_deferral_settled(emulator, caplog, capsys, in_triggerer, held):
    execution_id = start(emulator, run_seconds=0.3)
    trigger = DatameerJobTrigger(
        job_id=48,
        execution_id=execution_id,
        poll_interval=0.2,
        min_poll_interval=0.1,
        deferred_at=time.time(),
        settle_seconds=2.0,
    )
    trigger.trigger_id = 1 if in_triggerer else None
    with caplog.at_level(logging.INFO):
        event = await first(trigger)
    assert event.payload["status"] == "success"
    assert ("Holding the event" in task_log(capsys, caplog)) is held
    if held:
        assert time.time() >= trigger.settings.deferred_at + 2.0


def test_deferring_stamps_the_trigger_and_reads_the_setting(emulator, monkeypatch):
    from airflow.providers.common.compat.sdk import TaskDeferred

    execution_id = start(emulator, run_seconds=30)
    monkeypatch.setenv("AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS", "3.5")
    before = time.time()
    with pytest.raises(TaskDeferred) as info:
        DatameerJobSensor(task_id="w", job_id=48, execution_id=execution_id, deferrable=True).execute(context())
    kwargs = info.value.trigger.serialize()[1]
    assert kwargs["settle_seconds"] == 3.5
    assert before <= kwargs["deferred_at"] <= time.time()


@pytest.mark.parametrize("raw", ["abc", "-1", "7200"])
def test_a_bad_settle_setting_names_itself_and_the_fix(monkeypatch, raw):
    monkeypatch.setenv("AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS", raw)
    with pytest.raises(ValueError, match=r"\[datameer\] defer_settle_seconds is .*between 0 \(no hold\) and 3600"):
        settle.settle_seconds()


def test_settle_setting_default_and_off(monkeypatch):
    monkeypatch.delenv("AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS", raising=False)
    assert settle.settle_seconds() == settle.DEFAULT_SETTLE_SECONDS
    monkeypatch.setenv("AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS", "0")
    assert settle.settle_seconds() == 0.0


def test_a_bad_settle_setting_is_refused_before_the_trigger_operator_starts_a_run(emulator, monkeypatch):
    """Issue 25: the setting was read when deferring, after the trigger, so every try started and cancelled a run."""
    monkeypatch.setenv("AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS", "-1")
    with pytest.raises(ValueError, match=r"\[datameer\] defer_settle_seconds is '-1'"):
        trigger_op(deferrable=True).execute(context())
    assert [r["endpoint"] for r in emulator.client.requests()] == []
