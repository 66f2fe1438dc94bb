"""Ownership before outcome: a wait or a stop acts only on an execution that belongs to the job.

Execution ids are global in Datameer: execution 9 may be a run of job 107, and after a restart that lost
Datameer's state, id 1 may be reused by another job. The only evidence of ownership Datameer gives is
that the job's trigger returned the id, that the job's status showed it, that its history lists it, or
(in some server versions) a job reference in the execution's details. These cases hand the provider an
execution of another job and check that it never reports that run's outcome as the job's own, nor stops it.
"""

from __future__ import annotations

import time

import pytest
from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator
from airflow_provider_datameer.operators.outcome import DatameerJobFailed
from tests.faults.support import BOTH_MODES, on_request, sensor
from tests.support import (
    CONFIGURATION,
    IMPORT,
    LONG,
    WORKBOOK,
    context,
    execution,
    finished_run,
    logged,
    run_deferrable,
    running_run,
    task_log,
    trigger_op,
)

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


@BOTH_MODES
def test_a_job_that_never_ran_is_not_resolved_from_another_jobs_execution(emulator, deferrable):
    """Job 57 never ran; execution N is job 48's and COMPLETED. Waiting on (57, N) must fail, naming both."""
    other = finished_run(emulator, IMPORT)

    with pytest.raises(DatameerJobFailed) as failed:
        run_deferrable(
            sensor(job_id=WORKBOOK, execution_id=other, deferrable=deferrable, no_execution_grace=0.5), context()
        )

    message = str(failed.value)
    assert f"job {WORKBOOK}" in message
    assert f"execution {other}" in message
    assert "never run" in message
    assert not logged(emulator, "job_details"), "the other job's details must not be read"


@BOTH_MODES
def test_an_execution_the_job_never_showed_is_read_with_a_warning(emulator, deferrable, capsys, caplog):
    """Job 57 has moved past execution N (N is job 48's): its details may be read, with a WARNING that
    ownership could not be verified."""
    other = finished_run(emulator, IMPORT)
    finished_run(emulator, WORKBOOK)

    summary = run_deferrable(sensor(job_id=WORKBOOK, execution_id=other, deferrable=deferrable), context())

    assert summary["execution_id"] == other
    log = task_log(capsys, caplog)
    assert "could not verify" in log
    assert f"execution {other}" in log


def test_a_job_whose_state_was_lost_fails_instead_of_reading_a_reused_id(emulator):
    """The sensor saw execution N of the long job RUNNING; Datameer restarts and forgets it, and N is reused by
    a COMPLETED run of job 48. The next poke fails: Datameer no longer knows execution N of the long job."""
    ours = running_run(emulator, LONG)
    task = sensor(job_id=LONG, execution_id=ours, deferrable=False, mode="poke", no_execution_grace=0.5)
    ctx = context()
    assert task.poke(ctx) is False

    emulator.client.reset()
    reused = finished_run(emulator, IMPORT)
    assert reused == ours, "the emulator should hand out the same id after a reset"
    time.sleep(0.6)

    with pytest.raises(DatameerJobFailed, match=f"no longer knows execution {ours} of job {LONG}"):
        task.poke(ctx)


def test_stop_operator_refuses_an_execution_of_a_job_that_never_ran(emulator):
    """DatameerStopJobOperator(job 57, execution of the long job) must not cancel the long job's run."""
    other = running_run(emulator, LONG)

    with pytest.raises((AirflowException, ValueError)) as refused:
        DatameerStopJobOperator(task_id="stop", job_id=WORKBOOK, execution_id=other).execute(context())

    message = str(refused.value)
    assert f"job {WORKBOOK}" in message
    assert f"execution {other}" in message
    assert "stop_job_v1" in message, "the message says how to stop it on purpose"
    assert execution(emulator, other)["status"] == "RUNNING"
    assert not logged(emulator, "stop_v1")
    assert not logged(emulator, "stop_v2")


def test_stop_operator_refuses_an_execution_its_job_does_not_show(emulator):
    """Job 48 ran (execution A, finished); execution B belongs to the long job. Stopping (48, B) is refused."""
    finished_run(emulator, IMPORT)
    other = running_run(emulator, LONG)

    with pytest.raises((AirflowException, ValueError), match=f"execution {other}"):
        DatameerStopJobOperator(task_id="stop", job_id=IMPORT, execution_id=other).execute(context())

    assert execution(emulator, other)["status"] == "RUNNING"


def test_stop_operator_still_stops_its_own_pinned_execution(emulator):
    """The rule does not get in the way of the normal case: the job's own running execution is stopped."""
    ours = running_run(emulator, LONG)

    result = DatameerStopJobOperator(task_id="stop", job_id=LONG, execution_id=ours).execute(context())

    assert result["execution_id"] == ours
    assert execution(emulator, ours)["status"] == "CANCELED"


def test_the_run_a_v1_trigger_names_is_the_tasks_even_when_the_scheduler_starts_one_first(emulator, datameer_conn):
    """Issue 25: on the V1 path the operator ignored the ``{"id": N}`` of the trigger's answer and took the first
    newer run the status showed, here one Datameer's scheduler started; its own run ended ERROR, the task
    reported SUCCESS."""
    emulator.client.set_switches(api_v2=False)
    datameer_conn(api_version=1)
    emulator.client.patch_job(IMPORT, outcome="ERROR", queue_seconds=0, run_seconds=1)
    emulator.client.add_fault(kind="delay", seconds=1.5, endpoint="status_v1", count=2)  # before and after ours

    def scheduler_run() -> None:
        emulator.client.patch_job(IMPORT, outcome="COMPLETED")
        emulator.client.trigger_as(IMPORT, "scheduler")

    with on_request(emulator.client, "trigger_v1", scheduler_run), pytest.raises(DatameerJobFailed) as info:
        trigger_op(job_id=CONFIGURATION[IMPORT], deferrable=False).execute(context())

    (ours,) = [e["id"] for e in emulator.client.state()["executions"] if e["user"] != "scheduler"]
    assert f"execution {ours} ended ERROR" in str(info.value)
