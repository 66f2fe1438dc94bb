"""The one decision procedure of sensor, trigger and operator, driven with plain values."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_datameer.errors import DatameerAuthError, DatameerTransientError, DatameerUnexpectedResponseError
from airflow_provider_datameer.models import ExecutionStatus, JobDetails
from airflow_provider_datameer.status import DatameerJobStatus as S
from airflow_provider_datameer.waiting import ExecutionWatch, Verdict, poll_once, stop_request

T0 = 1_000_000.0


def st(status, execution_id=None, **kw):
    return ExecutionStatus(status, execution_id, 48, status.value, **kw)


def watch(execution_id=None, **kw):
    kw.setdefault("waiting_since", T0)
    return ExecutionWatch(48, execution_id, **kw)


@pytest.mark.parametrize(
    ("status", "fail_on_warnings", "outcome"),
    [
        (S.COMPLETED, False, "success"),
        (S.COMPLETED_WITH_WARNINGS, False, "success"),
        (S.COMPLETED_WITH_WARNINGS, True, "error"),
        (S.ERROR, False, "error"),
        (S.CANCELED, False, "error"),
        (S.QUEUED, False, None),
        (S.WAITING_FOR_OTHER_JOB, False, None),
        (S.RUNNING, False, None),
        (S.UNKNOWN, False, None),
    ],
)
def test_status_table(status, fail_on_warnings, outcome):
    verdict = watch(5, fail_on_warnings=fail_on_warnings).observe(st(status, 5), T0)
    assert (verdict.status if verdict else None) == outcome
    if verdict:
        assert verdict.job_status == status.value
        assert verdict.execution_id == 5


def test_unknown_status_warns_and_keeps_waiting(caplog):
    w = watch(5)
    with caplog.at_level(logging.WARNING):
        assert w.observe(ExecutionStatus(S.UNKNOWN, 5, 48, "PAUSED"), T0) is None
    assert "unknown status 'PAUSED'" in caplog.text
    assert w.observe(st(S.COMPLETED, 5), T0 + 1).status == "success"


def test_older_execution_is_not_ours_yet_even_if_terminal():
    w = watch(7)
    assert w.observe(st(S.COMPLETED, 6), T0 + 1) is None  # yesterday's stale success
    assert w.observe(st(S.ERROR, 6), T0 + 2) is None
    assert w.observe(st(S.RUNNING, 7), T0 + 3) is None
    assert w.observe(st(S.COMPLETED, 7), T0 + 4).status == "success"


def test_newer_execution_switches_to_job_details():
    w = watch(7)
    assert w.observe(st(S.COMPLETED, 8), T0) is None  # someone else's newer run: never our verdict
    assert w.details_due
    assert w.next_request() == ("get_job_details", 7)
    assert w.delay(30, T0) == 0.0
    assert w.observe(JobDetails(7, S.RUNNING), T0) is None
    assert not w.details_due
    assert w.delay(30, T0) == 30
    assert w.next_request() == ("get_job_details", 7)
    verdict = w.observe(JobDetails(7, S.ERROR), T0 + 5)
    assert (verdict.status, verdict.execution_id, verdict.job_status) == ("error", 7, "ERROR")


def test_unpinned_watch_pins_first_execution_seen():
    w = watch()
    assert w.observe(st(S.RUNNING, 3), T0) is None
    assert w.execution_id == 3
    assert w.observe(st(S.COMPLETED, 4), T0 + 1) is None  # a newer run is not ours
    assert w.next_request() == ("get_job_details", 3)


def test_no_execution_grace():
    w = watch(no_execution_grace=60)
    none = ExecutionStatus(S.NONE, raw_status="_NONE")
    assert w.observe(none, T0 + 59) is None
    verdict = w.observe(none, T0 + 60)
    assert verdict.status == "error"
    assert "No execution of Datameer job 48 appeared within 60 s" in verdict.message


def test_pinned_but_invisible_falls_back_to_details_after_grace():
    w = watch(9, no_execution_grace=10)
    assert w.observe(st(S.COMPLETED, 8), T0 + 5) is None
    assert not w.details_due
    assert w.observe(st(S.COMPLETED, 8), T0 + 11) is None
    assert w.next_request() == ("get_job_details", 9)


def test_error_budget_counts_consecutive_transient_failures():
    w = watch(5, max_consecutive_errors=3)
    boom = DatameerTransientError("no answer", may_have_reached_server=True, command="status_v2")
    assert w.fail(boom) is None
    assert w.fail(boom) is None
    assert w.observe(st(S.RUNNING, 5), T0) is None  # a good poll resets the run
    assert w.fail(boom) is None
    assert w.fail(boom) is None
    verdict = w.fail(boom)
    assert verdict.status == "error"
    assert "3 polls in a row" in verdict.message
    assert "no answer" in verdict.message


@pytest.mark.parametrize(
    "exc",
    [
        DatameerAuthError("the credentials were refused", http_status=401),
        DatameerUnexpectedResponseError("HTML"),
        ValueError("job_id is empty"),
    ],
)
def test_permanent_errors_end_at_once(exc):
    verdict = watch(5).fail(exc)
    assert verdict.status == "error"
    assert str(exc) in verdict.message


def test_adaptive_delay_follows_a_plausible_estimate():
    w = watch(5)
    w.observe(st(S.RUNNING, 5, estimate_seconds=3.0), T0)
    assert w.delay(60, T0) == pytest.approx(3.5)
    assert w.delay(2, T0) == 2  # never later than the interval
    w.observe(st(S.RUNNING, 5, estimate_seconds=0.1), T0)
    assert w.delay(60, T0) == 1.0  # never earlier than the floor


@pytest.mark.parametrize("estimate", [None, 10**9])
def test_bogus_estimates_are_ignored(estimate):
    w = watch(5)
    w.observe(st(S.RUNNING, 5, estimate_seconds=estimate), T0)
    assert w.delay(60, T0) == 60


def test_wrong_estimates_stop_being_trusted():
    w = watch(5)
    now = T0
    for _ in range(5):
        w.observe(st(S.RUNNING, 5, estimate_seconds=2.0), now)
        now += w.delay(60, now)
    # two early polls at most, then back to the fixed interval
    assert w.delay(60, now) == 60


def test_timeout_verdict_and_event_round_trip():
    w = watch(5)
    w.observe(st(S.RUNNING, 5), T0)
    verdict = w.timed_out("after 30 s")
    assert verdict.status == "timeout"
    assert "Timed out after 30 s waiting for Datameer job 48 execution 5" in verdict.message
    assert Verdict.from_event(verdict.to_event()) == verdict


@pytest.mark.parametrize("event", [None, "x", {"status": "maybe"}, {}])
def test_malformed_events_are_errors(event):
    verdict = Verdict.from_event(event)
    assert verdict.status == "error"
    assert "malformed event" in verdict.message


def test_stop_request_targets_our_execution():
    assert stop_request(48, 5, st(S.RUNNING, 5)) == ("stop_job", 48)
    assert stop_request(48, 5, st(S.RUNNING, 6)) == ("stop_job_v1", 5)
    assert stop_request(48, 5, st(S.COMPLETED, 5)) is None
    assert stop_request(48, None, st(S.RUNNING, 6)) == ("stop_job", 48)


class ScriptedHook:
    """Answers the sync hook methods from a script (a stand-in for Datameer, not for our code)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def _next(self, name, arg):
        self.calls.append((name, arg))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get_job_status(self, job_id):
        return self._next("get_job_status", job_id)

    def get_job_details(self, execution_id):
        return self._next("get_job_details", execution_id)


def test_poll_once_reads_details_at_once_when_a_newer_run_hides_ours():
    hook = ScriptedHook(st(S.RUNNING, 8), JobDetails(7, S.COMPLETED))
    verdict = poll_once(hook, watch(7))
    assert verdict.status == "success"
    assert hook.calls == [("get_job_status", "48"), ("get_job_details", 7)]
