"""F9-F10: statuses that must not end the wait — unknown ones, and other executions' statuses.

V2 status describes the latest *visible* execution of a file. The emulator's ``visibility_delay`` keeps a
new run hidden behind the previous one (or ``_NONE``) for a while, and ``client.trigger_as`` starts a run
as the Datameer scheduler would, so the status shows someone else's execution. Neither may pass or fail
the task: only our execution's own terminal status does.
"""

from __future__ import annotations

import pytest

from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed
from tests.faults.support import BOTH_MODES, on_request, sensor
from tests.support import context, execution, finished_run, run_deferrable, task_log, trigger_op
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


def failure_of(run) -> str | None:
    """Run the task: ``None`` when it passed, else the message of the DatameerJobFailed it raised."""
    try:
        run()
    except DatameerJobFailed as exc:
        return str(exc)
    return None


def assert_outcome(message: str | None, ours: str, ours_id: int) -> None:
    """The task passed exactly when our execution completed, and a failure names our execution."""
    if ours == "COMPLETED":
        assert message is None
    else:
        assert message is not None
        assert f"Datameer job 48 execution {ours_id} ended {ours}" in message


# ---------------------------------------------------------------------------------------------- F9
@BOTH_MODES
def test_f9_unknown_status_warns_keeps_waiting_and_ends_at_the_first_known_terminal(
    emulator, deferrable, capsys, caplog
):
    """Every poll until the forced status expires sees "PAUSED_BY_ADMIN" (the run itself is over by then);
    each is warned about, and exactly one more poll — the first to see COMPLETED — ends the task."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=0.3)
    execution_id = DatameerHook().trigger_job(48).execution_id
    emulator.client.patch_execution(execution_id, status="PAUSED_BY_ADMIN", seconds=1.0)
    emulator.client.clear_requests()
    capsys.readouterr()

    summary = run_deferrable(sensor(execution_id=execution_id, deferrable=deferrable), context())

    assert (summary["execution_id"], summary["status"]) == (execution_id, "COMPLETED")
    warnings = task_log(capsys, caplog).count("unknown status 'PAUSED_BY_ADMIN'")
    polls = requests_for(emulator, "status_v2")
    assert warnings >= 2, "the unknown status should have been seen on several polls"
    assert len(polls) == warnings + 1


def _wait_in_worker(op):
    """Poke-mode sensors are driven by BaseSensorOperator.execute in Airflow; here: poke until done."""
    import time

    ctx = context()
    while not (result := op.poke(ctx)):
        time.sleep(op.poke_interval)
    return result.xcom_value


# ---------------------------------------------------------------------------------------------- F10
@pytest.mark.parametrize(
    ("previous", "ours"),
    [(None, "ERROR"), ("COMPLETED", "ERROR"), ("ERROR", "COMPLETED")],
    ids=["none-then-error", "stale-success-then-error", "stale-error-then-success"],
)
@BOTH_MODES
def test_f10_stale_status_of_a_previous_run_never_decides(emulator, deferrable, previous, ours):
    """For 1 s after our trigger, V2 status still shows the previous run (or ``_NONE``): the task waits for
    ours and ends with ours' outcome."""
    if previous is not None:
        emulator.client.patch_job(48, outcome=previous)
        finished_run(emulator, 48)
    emulator.client.patch_job(48, queue_seconds=0.1, run_seconds=0.5, outcome=ours, visibility_delay=1.0)
    ctx = context()

    message = failure_of(lambda: run_deferrable(trigger_op(deferrable=deferrable), ctx))

    ours_id = ctx["ti"].xcom["job_execution_id"]
    assert_outcome(message, ours, ours_id)
    assert execution(emulator, ours_id)["status"] == ours
    assert len(requests_for(emulator, "trigger_v2")) == 1


@pytest.mark.parametrize(("ours", "newer"), [("ERROR", "COMPLETED"), ("COMPLETED", "ERROR")])
@pytest.mark.parametrize("deferrable", [True, False], ids=["deferred", "poke"])
def test_f10_newer_run_shown_by_status_never_decides_for_the_sensor(emulator, deferrable, ours, newer):
    """Our run is pinned; a scheduler run started after it ends first with the opposite outcome and is what
    V2 status shows. The sensor reads ours from job details and ends with ours' outcome."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=1.0, outcome=ours)
    ours_id = DatameerHook().trigger_job(48).execution_id
    newer_id = emulator.client.trigger_as(48, "scheduler")
    emulator.client.patch_execution(newer_id, finish=newer)
    op = sensor(execution_id=ours_id, deferrable=deferrable)

    message = failure_of(lambda: run_deferrable(op, context()) if deferrable else _wait_in_worker(op))

    assert_outcome(message, ours, ours_id)

    assert any(r["path"].endswith(f"/job-details/{ours_id}") for r in requests_for(emulator, "job_details"))
    assert execution(emulator, newer_id)["status"] == newer


@pytest.mark.parametrize(("ours", "newer"), [("ERROR", "COMPLETED"), ("COMPLETED", "ERROR")])
def test_f10_newer_run_started_while_the_operator_waits_never_decides(emulator, ours, newer):
    """The same for the trigger operator: the scheduler's run starts (and is finished) right after ours."""
    emulator.client.patch_job(48, queue_seconds=0.1, run_seconds=1.5, outcome=ours)
    ctx = context()

    def scheduler_run() -> None:
        emulator.client.patch_execution(emulator.client.trigger_as(48, "scheduler"), finish=newer)

    with on_request(emulator.client, "trigger_v2", scheduler_run):
        message = failure_of(lambda: run_deferrable(trigger_op(deferrable=True), ctx))

    ours_id = ctx["ti"].xcom["job_execution_id"]
    assert_outcome(message, ours, ours_id)
    assert any(r["path"].endswith(f"/job-details/{ours_id}") for r in requests_for(emulator, "job_details"))
    assert requests_for(emulator, "stop_v2", "stop_v1") == []
