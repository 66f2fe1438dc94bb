"""DatameerJobSensor in poke and deferrable mode against the emulator: same answers, same outcomes."""

from __future__ import annotations

import time

import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException, TaskDeferred

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed, DatameerJobTimeout
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor
from tests.support import FAST, context, run_deferrable, sensor

pytestmark = pytest.mark.usefixtures("datameer_conn")


def start(emulator, **job):
    emulator.client.patch_job(48, **{**FAST, **job})
    return DatameerHook().trigger_job(48).execution_id


def poke_until_done(op, ctx, limit=60.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        result = op.poke(ctx)
        if result:
            return result.xcom_value
        time.sleep(op.poke_interval)
    raise AssertionError("sensor never finished")


def wait_poke(op, ctx):
    return poke_until_done(op, ctx)


def wait_deferrable(op, ctx):
    return run_deferrable(op, ctx)


MODES = {"poke": (False, wait_poke), "deferrable": (True, wait_deferrable)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("outcome", "fail_on_warnings", "passes"),
    [
        ("COMPLETED", False, True),
        ("COMPLETED_WITH_WARNINGS", False, True),
        ("COMPLETED_WITH_WARNINGS", True, False),
        ("ERROR", False, False),
    ],
)
def test_poke_and_deferrable_agree(emulator, mode, outcome, fail_on_warnings, passes):
    deferrable, wait = MODES[mode]
    execution_id = start(emulator, outcome=outcome)
    op = sensor(execution_id=str(execution_id), fail_on_warnings=fail_on_warnings, deferrable=deferrable)
    ctx = context()
    if passes:
        summary = wait(op, ctx)
        assert summary["execution_id"] == execution_id
        assert summary["status"] == outcome
        assert summary["success_count"] is not None
        assert "counters" in summary
    else:
        with pytest.raises(DatameerJobFailed) as info:
            wait(op, ctx)
        message = str(info.value)
        assert f"Datameer job 48 execution {execution_id} ended {outcome}" in message
        if outcome == "ERROR":
            assert "failure count" in message
    assert ctx["ti"].xcom["job_execution_id"] == execution_id
    assert ctx["ti"].xcom["job_url"].endswith(f"/file-job?jobExecutionId={execution_id}")


def test_deferrable_checks_in_the_worker_first_and_does_not_defer_when_done(emulator):
    execution_id = start(emulator)
    time.sleep(1.5)
    summary = sensor(execution_id=execution_id, deferrable=True).execute(context())
    assert (summary["status"], summary["execution_id"]) == ("COMPLETED", execution_id)


def test_deferrable_defers_while_running_with_the_sensor_timeout_as_deadline(emulator):
    execution_id = start(emulator, run_seconds=30)
    op = sensor(execution_id=execution_id, deferrable=True, timeout=120)
    with pytest.raises(TaskDeferred) as info:
        op.execute(context())
    kwargs = info.value.trigger.serialize()[1]
    assert kwargs["execution_id"] == execution_id
    assert kwargs["stop_on_kill"] is False
    assert 110 < kwargs["deadline"] - time.time() <= 120
    assert info.value.timeout.total_seconds() > 120  # the trigger's own timeout event comes first


def test_unpinned_sensor_pins_the_running_execution(emulator):
    execution_id = start(emulator)
    summary = wait_poke(sensor(deferrable=False), context())
    assert summary["execution_id"] == execution_id


@pytest.mark.parametrize("soft_fail", [False, True])
def test_timeout_fails_or_skips_and_says_so(emulator, soft_fail):
    execution_id = start(emulator, run_seconds=30)
    op = sensor(execution_id=execution_id, deferrable=True, timeout=1, soft_fail=soft_fail)
    expected = AirflowSkipException if soft_fail else DatameerJobTimeout
    with pytest.raises(expected, match="Timed out"):
        run_deferrable(op, context())


def test_malformed_execution_id_is_rejected_before_any_request(emulator):
    emulator.client.clear_requests()
    with pytest.raises(ValueError, match="execution_id"):
        sensor(execution_id="abc", deferrable=False).poke(context())
    assert emulator.client.requests() == []


def test_templated_fields():
    assert set(DatameerJobSensor.template_fields) >= {"job_id", "execution_id"}
