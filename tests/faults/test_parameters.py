"""Careless parameters: refused before anything reaches Datameer, never a busy loop, never an orphaned run."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator, DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests.faults.support import sensor
from tests.support import IMPORT, LONG, RecordingTI, execution, logged, running_run, task_log, trigger_op

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")

BAD_INTERVALS = [0, -5, 1e308, math.inf, math.nan, 0.001, "soon"]


@pytest.mark.parametrize("value", BAD_INTERVALS, ids=repr)
def test_trigger_operator_refuses_a_bad_poll_interval_at_construction(value):
    with pytest.raises(ValueError, match="poll_interval"):
        DatameerTriggerJobOperator(task_id="t", job_id=IMPORT, poll_interval=value)


@pytest.mark.parametrize("value", BAD_INTERVALS, ids=repr)
def test_trigger_refuses_a_bad_poll_interval(value):
    """The trigger validates its own kwargs too: a zero interval would busy-loop the triggerer's event loop."""
    with pytest.raises(ValueError, match="poll_interval"):
        DatameerJobTrigger(job_id=IMPORT, poll_interval=value)


@pytest.mark.parametrize("value", [0, -1, math.nan, 1e308], ids=repr)
def test_deferrable_sensor_refuses_a_bad_poke_interval(value):
    with pytest.raises((ValueError, TypeError), match="poke_interval"):
        DatameerJobSensor(task_id="s", job_id=IMPORT, poke_interval=value, deferrable=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", -10),
        ("timeout", math.nan),
        ("timeout", 1e308),
        ("max_consecutive_errors", 0),
        ("max_consecutive_errors", 1.5),
        ("no_execution_grace", -1),
        ("no_execution_grace", math.inf),
    ],
)
def test_trigger_operator_refuses_bad_wait_settings(name, value):
    with pytest.raises(ValueError, match=name):
        DatameerTriggerJobOperator(task_id="t", job_id=IMPORT, **{name: value})


def test_stop_operator_refuses_bad_termination_settings():
    with pytest.raises(ValueError, match="termination_timeout"):
        DatameerStopJobOperator(task_id="s", job_id=IMPORT, termination_timeout=-1)
    with pytest.raises(ValueError, match="poll_interval"):
        DatameerStopJobOperator(task_id="s", job_id=IMPORT, poll_interval=0)


def test_job_id_zero_is_refused_before_any_request(emulator):
    with pytest.raises(ValueError, match="job_id"):
        DatameerHook().get_job_status(0)
    assert not logged(emulator)


def test_non_ascii_digits_are_not_called_negative(emulator):
    with pytest.raises(ValueError, match="job_id") as refused:
        DatameerHook().get_job_status("١٢٣")
    assert "negative" not in str(refused.value)
    assert "0-9" in str(refused.value)
    assert not logged(emulator)


class FailingTI(RecordingTI):
    """Airflow failing after the run started: the XCom push of the job URL raises."""

    def xcom_push(self, key: str, value: Any) -> None:
        if key == "job_url":
            raise RuntimeError("metadata database went away")
        super().xcom_push(key, value)


def test_a_failure_after_the_trigger_stops_the_run_and_says_so(emulator):
    emulator.client.patch_job(LONG, queue_seconds=0, run_seconds=600)

    with pytest.raises(Exception, match="stopped") as failed:
        trigger_op(job_id=LONG, deferrable=False).execute({"ti": FailingTI()})

    assert "metadata database went away" in str(failed.value)
    started = logged(emulator, "trigger_v2")
    assert len(started) == 1
    assert execution(emulator, 1)["status"] == "CANCELED"


def test_an_enormous_status_string_is_logged_truncated(emulator, capsys, caplog):
    """A 1 MB status string (under the response size cap) is logged cut to a few hundred characters."""
    ours = running_run(emulator, LONG)
    emulator.client.patch_execution(ours, status="PAUSED" + "X" * 1_000_000, seconds=30)
    capsys.readouterr()

    task = sensor(job_id=LONG, execution_id=ours, deferrable=False, mode="poke")
    for _ in range(3):
        assert task.poke({"ti": RecordingTI()}) is False

    log = task_log(capsys, caplog)
    assert "unknown status" in log
    assert "XXXXXXXX" in log, "the start of the status is shown"
    assert len(log) < 20_000, f"{len(log)} characters logged for three polls"
    assert "1000006 characters" in log


def test_a_trigger_with_zero_interval_cannot_be_built_from_serialised_kwargs():
    """A trigger row written by hand (or by an older version) with poll_interval 0 is refused too."""
    _, kwargs = DatameerJobTrigger(job_id=IMPORT, poll_interval=5).serialize()
    kwargs["poll_interval"] = 0
    with pytest.raises(ValueError, match="poll_interval"):
        DatameerJobTrigger(**kwargs)


def test_trigger_kwargs_round_trip():
    trigger = DatameerJobTrigger(job_id=IMPORT, execution_id=3, poll_interval=5, deadline=2e9, stop_on_kill=True)
    classpath, kwargs = trigger.serialize()
    again = DatameerJobTrigger(**kwargs)
    assert again.serialize() == (classpath, kwargs)
    assert asyncio.iscoroutinefunction(again.on_kill)
