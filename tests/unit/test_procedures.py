"""The wait, stop, retry and V1-lookup procedures, run by a scripted driver: every step they yield is checked,
with no I/O at all. The script stands in for Datameer (answers or errors per request) and for the clock."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from airflow_provider_datameer.core.connection import config_from_connection
from airflow_provider_datameer.core.errors import DatameerAuthError, DatameerError, DatameerTransientError
from airflow_provider_datameer.core.models import ExecutionStatus, HistoryEntry, JobDetails
from airflow_provider_datameer.core.procedures import call, find_new_run, poll, stop, wait
from airflow_provider_datameer.core.retry import UNSAFE_TO_REPEAT_HINT
from airflow_provider_datameer.core.steps import Send, Sleep
from airflow_provider_datameer.core.wait_settings import WaitSettings
from airflow_provider_datameer.core.watch import ExecutionWatch
from airflow_provider_datameer.status import DatameerJobStatus as S

CONFIG = config_from_connection(
    "t", host="datameer", login="u", password="p", extra={"retries": {"attempts": 3, "backoff": 1, "max_backoff": 4}}
)
LOG = logging.getLogger("tests.procedures")
T0 = 1_000_000.0


def st(status, execution_id=None, file_id=48):
    return ExecutionStatus(status, execution_id, file_id, status.value)


class Script:
    """Runs a procedure, answering its ``Send`` steps from a list and advancing a fake clock on ``Sleep``."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.now = T0
        self.steps: list[tuple[str, Any]] = []

    def clock(self) -> float:
        return self.now

    def run(self, procedure: Any) -> Any:
        reply: Any = None
        error: DatameerError | None = None
        while True:
            try:
                step = procedure.throw(error) if error else procedure.send(reply)
            except StopIteration as done:
                return done.value
            reply, error = None, None
            if isinstance(step, Sleep):
                self.steps.append(("sleep", round(step.seconds, 3)))
                self.now += step.seconds
                continue
            assert isinstance(step, Send)
            self.steps.append((step.request.command, step.request.path))
            answer = self.answers.pop(0)
            if isinstance(answer, DatameerError):
                error = answer
            else:
                reply = answer

    @property
    def commands(self) -> list[str]:
        return [name for name, _ in self.steps]


def settings(**kw: Any) -> WaitSettings:
    kw.setdefault("job_id", 48)
    kw.setdefault("poll_interval", 10)
    kw.setdefault("waiting_since", T0)
    return WaitSettings(**kw)


def run_wait(script: Script, **kw: Any):
    watch = ExecutionWatch(settings(**kw), log=LOG)
    return script.run(wait(watch, CONFIG, LOG, clock=script.clock))


def transient(reached: bool = True) -> DatameerTransientError:
    return DatameerTransientError("down", may_have_reached_server=reached, command="status_v2")


# ---------------------------------------------------------------------------------------------- wait
@pytest.mark.parametrize(
    ("answers", "steps", "outcome"),
    [
        pytest.param(
            [st(S.RUNNING, 5), st(S.COMPLETED, 5)],
            ["status_v2", "sleep", "status_v2"],
            ("success", "COMPLETED"),
            id="running-then-completed",
        ),
        pytest.param(
            [st(S.COMPLETED, 4), st(S.ERROR, 5)],
            ["status_v2", "sleep", "status_v2"],
            ("error", "ERROR"),
            id="stale-success-is-not-ours",
        ),
        pytest.param(
            [st(S.RUNNING, 6), JobDetails(5, S.COMPLETED)],
            ["status_v2", "job_details"],
            ("success", "COMPLETED"),
            id="newer-run-hides-ours-details-at-once",
        ),
        pytest.param(
            [transient(), transient(), st(S.COMPLETED, 5)],
            ["status_v2", "sleep", "status_v2", "sleep", "status_v2"],
            ("success", "COMPLETED"),
            id="transient-errors-are-retried-within-one-poll",
        ),
        pytest.param(
            [DatameerAuthError("refused", http_status=401)],
            ["status_v2"],
            ("error", None),
            id="auth-error-ends-at-once",
        ),
    ],
)
def test_wait_steps(answers, steps, outcome):
    script = Script(*answers)
    verdict = run_wait(script, execution_id=5, execution_owned=True)
    assert script.commands == steps
    assert (verdict.status, verdict.job_status) == outcome
    assert not script.answers


def test_wait_sleeps_the_interval_and_ends_at_the_deadline():
    script = Script(*[st(S.RUNNING, 5)] * 10)
    verdict = run_wait(script, execution_id=5, execution_owned=True, poll_interval=10, deadline=T0 + 25)
    assert script.steps[1::2] == [("sleep", 10.0), ("sleep", 10.0), ("sleep", 5.0)]
    assert verdict.status == "timeout"
    assert "Timed out after 25 s" in verdict.message


def test_error_budget_spans_polls():
    """Each poll's request is retried (3 attempts); three failed polls in a row end the wait."""
    script = Script(*[transient()] * 9)
    verdict = run_wait(script, execution_id=5, execution_owned=True, max_consecutive_errors=3)
    assert script.commands.count("status_v2") == 9
    assert verdict.status == "error"
    assert "3 polls in a row" in verdict.message


def test_unpinned_wait_pins_the_first_execution_and_reads_details_of_it():
    script = Script(st(S.RUNNING, 3), st(S.COMPLETED, 4), JobDetails(3, S.CANCELED))
    verdict = run_wait(script)
    assert script.commands == ["status_v2", "sleep", "status_v2", "job_details"]
    assert (verdict.execution_id, verdict.job_status) == (3, "CANCELED")


def test_v1_wait_uses_the_configurations_status_and_details():
    script = Script(st(S.RUNNING, 5, None), st(S.RUNNING, 6, None), JobDetails(5, S.COMPLETED))
    verdict = run_wait(script, job_id=41, execution_id=5, execution_owned=True, api_version=1)
    assert script.steps[0] == ("status_v1", "/rest/job-configuration/job-status/41")
    assert script.commands == ["status_v1", "sleep", "status_v1", "job_details"]
    assert verdict.status == "success"


def test_poll_is_one_status_read():
    script = Script(st(S.RUNNING, 5))
    watch = ExecutionWatch(settings(execution_id=5), log=LOG)
    assert script.run(poll(watch, CONFIG, LOG, clock=script.clock)) is None
    assert script.commands == ["status_v2"]


# ---------------------------------------------------------------------------------------------- retry
def test_a_trigger_that_may_have_reached_datameer_is_not_repeated():
    script = Script(DatameerTransientError("reset", may_have_reached_server=True, command="trigger_v2"))
    request = CONFIG.endpoints["trigger_v2"]
    from airflow_provider_datameer.core.endpoints import build_request

    with pytest.raises(DatameerTransientError) as failed:
        script.run(call(CONFIG, build_request(CONFIG.endpoints, request.command, job=48), LOG))
    assert script.commands == ["trigger_v2"]
    assert failed.value.hint == UNSAFE_TO_REPEAT_HINT


def test_retry_waits_grow_and_honour_retry_after():
    from airflow_provider_datameer.core.endpoints import build_request

    slow = DatameerTransientError("busy", may_have_reached_server=False, retry_after=3.5, command="status_v2")
    script = Script(transient(), slow, st(S.RUNNING, 5))
    from airflow_provider_datameer.core.retry import retried

    request = build_request(CONFIG.endpoints, "status_v2", job=48)
    result = script.run(retried(request, CONFIG.retry, LOG, jitter=lambda: 0.0))
    assert result.execution_id == 5
    assert [s for s in script.steps if s[0] == "sleep"] == [("sleep", 1.0), ("sleep", 3.5)]


def test_retry_gives_up_after_the_attempts_and_says_so():
    from airflow_provider_datameer.core.endpoints import build_request

    script = Script(transient(), transient(), transient())
    with pytest.raises(DatameerTransientError) as failed:
        script.run(call(CONFIG, build_request(CONFIG.endpoints, "status_v2", job=48), LOG))
    assert failed.value.attempts == 3
    assert "gave up after 3 attempts" in str(failed.value)


# ---------------------------------------------------------------------------------------------- stop
@pytest.mark.parametrize(
    ("ours", "owned", "answers", "steps", "stopped"),
    [
        pytest.param(5, True, [st(S.RUNNING, 5), None], ["status_v2", "stop_v2"], True, id="our-current-run-v2-stop"),
        pytest.param(
            5, True, [st(S.RUNNING, 6), JobDetails(5, S.RUNNING), None], ["status_v2", "job_details", "stop_v1"], True,
            id="hidden-by-newer-job-kill-by-id",
        ),
        pytest.param(
            7, True, [st(S.RUNNING, 6), JobDetails(7, S.QUEUED), None], ["status_v2", "job_details", "stop_v1"], True,
            id="ours-not-visible-yet-never-stops-the-older-run",
        ),
        pytest.param(5, True, [st(S.COMPLETED, 5)], ["status_v2"], False, id="already-ended"),
        pytest.param(None, False, [st(S.RUNNING, 6), None], ["status_v2", "stop_v2"], True, id="unpinned-current-run"),
        pytest.param(None, False, [ExecutionStatus(S.NONE)], ["status_v2"], False, id="never-ran-nothing-to-stop"),
        pytest.param(9, False, [ExecutionStatus(S.NONE)], ["status_v2"], False, id="refused-job-never-ran"),
        pytest.param(
            9, False, [st(S.RUNNING, 12), JobDetails(9, S.RUNNING)], ["status_v2", "job_details"], False,
            id="refused-details-do-not-name-the-job",
        ),
        pytest.param(
            9, False, [st(S.RUNNING, 12), JobDetails(9, S.RUNNING, file_id=48), None],
            ["status_v2", "job_details", "stop_v1"], True, id="details-name-the-job",
        ),
    ],
)  # fmt: skip
def test_stop_steps(ours, owned, answers, steps, stopped):
    script = Script(*answers)
    outcome = script.run(stop(settings(execution_id=ours, execution_owned=owned), CONFIG, LOG))
    assert script.commands == steps
    assert outcome.stopped is stopped
    assert outcome.refused is (not stopped and ours is not None and not owned)


def test_a_refused_stop_says_how_to_do_it_on_purpose():
    outcome = Script(ExecutionStatus(S.NONE)).run(stop(settings(execution_id=9), CONFIG, LOG))
    assert outcome.refused
    assert "DatameerHook().stop_job_v1(9)" in outcome.message


def test_v1_stop_is_a_job_kill_by_id():
    script = Script(st(S.RUNNING, 5, None), None)
    outcome = script.run(stop(settings(job_id=41, execution_id=5, execution_owned=True, api_version=1), CONFIG, LOG))
    assert script.steps == [
        ("status_v1", "/rest/job-configuration/job-status/41"),
        ("stop_v1", "/rest/job-execution/job-kill/5"),
    ]
    assert outcome.stopped


@pytest.mark.parametrize(("history", "stopped"), [([7, 5, 4], True), ([7, 6], False)], ids=["listed", "not-listed"])
def test_v1_stop_of_a_hidden_execution_asks_the_job_history(history, stopped):
    """V1 has a job history: an execution it lists is the configuration's own, even when the details name no job."""
    answers = [st(S.RUNNING, 7, None), JobDetails(5, S.RUNNING), [HistoryEntry(i, S.RUNNING) for i in history]]
    script = Script(*answers, None)
    outcome = script.run(stop(settings(job_id=41, execution_id=5, api_version=1), CONFIG, LOG))
    assert script.steps[2] == ("job_history", "/rest/job-configuration/job-history/41?start=0&length=50")
    assert (outcome.stopped, outcome.refused) == (stopped, not stopped)
    assert (script.steps[-1] == ("stop_v1", "/rest/job-execution/job-kill/5")) is stopped


# ---------------------------------------------------------------------------------------------- V1 lookup
def test_find_new_run_waits_for_the_status_to_move_on():
    script = Script(st(S.COMPLETED, 5, None), st(S.COMPLETED, 5, None), st(S.QUEUED, 7, None))
    found = script.run(find_new_run(settings(job_id=41, api_version=1), CONFIG, 5, LOG, clock=script.clock))
    assert found == 7
    assert script.commands == ["status_v1", "sleep", "status_v1", "sleep", "status_v1"]


def test_find_new_run_gives_up_after_the_grace():
    script = Script(*[st(S.COMPLETED, 5, None)] * 20)
    with pytest.raises(DatameerError, match="no new execution of configuration 41"):
        script.run(
            find_new_run(settings(job_id=41, api_version=1, no_execution_grace=3), CONFIG, 5, LOG, clock=script.clock)
        )
