"""The decisions of one wait (ExecutionWatch), fed plain values: no I/O, no clock of its own."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_datameer.core.endpoints import resolve_endpoints
from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.core.models import ExecutionStatus, JobDetails
from airflow_provider_datameer.core.verdict import Verdict
from airflow_provider_datameer.core.wait_settings import WaitSettings
from airflow_provider_datameer.core.watch import ExecutionWatch
from airflow_provider_datameer.status import DatameerJobStatus as S

T0 = 1_000_000.0
ENDPOINTS = resolve_endpoints()


def st(status, execution_id=None, **kw):
    return ExecutionStatus(status, execution_id, 48, status.value, **kw)


def watch(execution_id=None, owned=True, **kw):
    kw.setdefault("waiting_since", T0)
    settings = WaitSettings(job_id=48, execution_id=execution_id, execution_owned=owned, **kw)
    return ExecutionWatch(settings)


def asks_details(w, execution_id):
    request = w.next_request(ENDPOINTS)
    return request.command == "job_details" and request.execution_id == execution_id


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
    verdict = watch(5, fail_on_warnings=fail_on_warnings).take(st(status, 5), T0)
    assert (verdict.status if verdict else None) == outcome
    if verdict:
        assert verdict.job_status == status.value
        assert verdict.execution_id == 5


def test_unknown_status_warns_and_keeps_waiting(caplog):
    w = watch(5)
    with caplog.at_level(logging.WARNING):
        assert w.take(ExecutionStatus(S.UNKNOWN, 5, 48, "PAUSED"), T0) is None
    assert "unknown status 'PAUSED'" in caplog.text
    assert w.take(st(S.COMPLETED, 5), T0 + 1).status == "success"


def test_older_execution_is_not_ours_yet_even_if_terminal():
    w = watch(7)
    assert w.take(st(S.COMPLETED, 6), T0 + 1) is None  # yesterday's stale success
    assert w.take(st(S.ERROR, 6), T0 + 2) is None
    assert w.take(st(S.RUNNING, 7), T0 + 3) is None
    assert w.take(st(S.COMPLETED, 7), T0 + 4).status == "success"


def test_newer_execution_switches_to_job_details():
    w = watch(7)
    assert w.take(st(S.COMPLETED, 8), T0) is None  # someone else's newer run: never our verdict
    assert w.details_due
    assert asks_details(w, 7)
    assert w.delay(30, T0) == 0.0
    assert w.take(JobDetails(7, S.RUNNING), T0) is None
    assert not w.details_due
    assert w.delay(30, T0) == 30
    assert asks_details(w, 7)
    verdict = w.take(JobDetails(7, S.ERROR), T0 + 5)
    assert (verdict.status, verdict.execution_id, verdict.job_status) == ("error", 7, "ERROR")


def test_unpinned_watch_pins_first_execution_seen():
    w = watch()
    assert w.take(st(S.RUNNING, 3), T0) is None
    assert w.execution_id == 3
    assert w.take(st(S.COMPLETED, 4), T0 + 1) is None  # a newer run is not ours
    assert asks_details(w, 3)


def test_no_execution_grace():
    w = watch(no_execution_grace=60)
    none = ExecutionStatus(S.NONE, raw_status="_NONE")
    assert w.take(none, T0 + 59) is None
    verdict = w.take(none, T0 + 60)
    assert verdict.status == "error"
    assert "No execution of Datameer job 48 appeared within 60 s" in verdict.message


def test_pinned_but_invisible_falls_back_to_details_after_grace():
    w = watch(9, no_execution_grace=10)
    assert w.take(st(S.COMPLETED, 8), T0 + 5) is None
    assert not w.details_due
    assert w.take(st(S.COMPLETED, 8), T0 + 11) is None
    assert asks_details(w, 9)


def test_error_budget_counts_consecutive_transient_failures():
    w = watch(5, max_consecutive_errors=3)
    boom = DatameerTransientError("no answer", may_have_reached_server=True, command="status_v2")
    assert w.take(boom, T0) is None
    assert w.take(boom, T0) is None
    assert w.take(st(S.RUNNING, 5), T0) is None  # a good poll resets the run
    assert w.take(boom, T0) is None
    assert w.take(boom, T0) is None
    verdict = w.take(boom, T0)
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
    verdict = watch(5).take(exc, T0)
    assert verdict.status == "error"
    assert str(exc) in verdict.message


def test_adaptive_delay_follows_a_plausible_estimate():
    w = watch(5)
    w.take(st(S.RUNNING, 5, estimate_seconds=3.0), T0)
    assert w.delay(60, T0) == pytest.approx(3.5)
    assert w.delay(2, T0) == 2  # never later than the interval
    w.take(st(S.RUNNING, 5, estimate_seconds=0.1), T0)
    assert w.delay(60, T0) == 1.0  # never earlier than the floor


@pytest.mark.parametrize("estimate", [None, 10**9])
def test_bogus_estimates_are_ignored(estimate):
    w = watch(5)
    w.take(st(S.RUNNING, 5, estimate_seconds=estimate), T0)
    assert w.delay(60, T0) == 60


def test_a_new_run_still_queued_is_polled_sooner_at_first():
    """Issue 24: a 5-second job was noticed 25-54 s late because the first poll saw QUEUED, no estimate."""
    w = watch(5)
    waits = []
    for _ in range(6):
        w.take(st(S.QUEUED, 5), T0)
        waits.append(w.delay(30, T0))
    assert waits == [1.0, 2.0, 4.0, 8.0, 30, 30]
    assert w.delay(3, T0) == 3  # never later than the interval


@pytest.mark.parametrize(
    "first",
    [st(S.RUNNING, 5), st(S.RUNNING, 5, estimate_seconds=600.0), st(S.QUEUED, 5, estimate_seconds=600.0)],
    ids=["running", "running with an estimate", "queued with an estimate"],
)
def test_a_run_seen_running_or_estimated_is_polled_as_before(first):
    """Long jobs make no more requests than before: the young-run waits end at the first other sight."""
    w = watch(5)
    w.take(first, T0)
    w.take(st(S.QUEUED, 5), T0)  # even if it shows queued again later
    assert w.delay(30, T0) == 30


def test_wrong_estimates_stop_being_trusted():
    w = watch(5)
    now = T0
    for _ in range(5):
        w.take(st(S.RUNNING, 5, estimate_seconds=2.0), now)
        now += w.delay(60, now)
    # two early polls at most, then back to the fixed interval
    assert w.delay(60, now) == 60


def test_timeout_verdict_and_event_round_trip():
    w = watch(5)
    w.take(st(S.RUNNING, 5), T0)
    verdict = w.timed_out("after 30 s")
    assert verdict.status == "timeout"
    assert "Timed out after 30 s waiting for Datameer job 48 execution 5" in verdict.message
    assert Verdict.from_event(verdict.to_event()) == verdict


@pytest.mark.parametrize("event", [None, "x", {"status": "maybe"}, {}])
def test_malformed_events_are_errors(event):
    verdict = Verdict.from_event(event)
    assert verdict.status == "error"
    assert "malformed event" in verdict.message


# ---------------------------------------------------------------------------------------------- ownership
def test_a_user_given_execution_of_a_job_that_never_ran_is_refused_after_the_grace():
    w = watch(9, owned=False, no_execution_grace=10)
    none = ExecutionStatus(S.NONE, raw_status="_NONE")
    assert w.take(none, T0 + 5) is None
    verdict = w.take(none, T0 + 10)
    assert verdict.status == "error"
    assert "job 48 has never run, so execution 9 is not one of its executions" in verdict.message


def test_a_user_given_execution_the_job_never_reaches_is_refused_after_the_grace():
    w = watch(9, owned=False, no_execution_grace=10)
    assert w.take(st(S.COMPLETED, 8), T0 + 5) is None
    verdict = w.take(st(S.COMPLETED, 8), T0 + 10)
    assert verdict.status == "error"
    assert "latest execution is 8; execution 9 did not appear" in verdict.message


def test_a_user_given_execution_the_job_moved_past_is_read_with_a_warning(caplog):
    w = watch(7, owned=False)
    assert w.take(st(S.RUNNING, 8), T0) is None
    assert asks_details(w, 7)
    with caplog.at_level(logging.WARNING):
        verdict = w.take(JobDetails(7, S.COMPLETED), T0)
    assert verdict.status == "success"
    assert "could not verify that execution 7 belongs to job 48" in caplog.text


def test_details_that_name_another_file_are_refused():
    w = watch(7, owned=False)
    w.take(st(S.RUNNING, 8), T0)
    verdict = w.take(JobDetails(7, S.COMPLETED, file_id=107), T0)
    assert verdict.status == "error"
    assert "belongs to file 107, not to job 48" in verdict.message


@pytest.mark.parametrize(("named", "outcome"), [(41, "success"), (50, "error")])
def test_v1_details_are_checked_against_the_configuration_not_the_file(named, outcome):
    """V1 names the job by configuration id: details naming file 48 and configuration 41 are job 41's."""
    settings = WaitSettings(job_id=41, execution_id=7, execution_owned=False, api_version=1, waiting_since=T0)
    w = ExecutionWatch(settings)
    assert w.take(ExecutionStatus(S.RUNNING, 8, None, "RUNNING"), T0) is None
    verdict = w.take(JobDetails(7, S.COMPLETED, file_id=48, configuration_id=named), T0)
    assert verdict.status == outcome
    if outcome == "error":
        assert "belongs to configuration 50, not to job 41" in verdict.message


@pytest.mark.parametrize("later", [ExecutionStatus(S.NONE, raw_status="_NONE"), st(S.COMPLETED, 3)])
def test_a_status_that_forgets_a_seen_execution_is_a_failure(later):
    w = watch(5, owned=False)
    assert w.take(st(S.RUNNING, 5), T0) is None
    verdict = w.take(later, T0 + 1)
    assert verdict.status == "error"
    assert "Datameer no longer knows execution 5 of job 48" in verdict.message


def test_until_terminal_passes_any_end():
    w = ExecutionWatch(WaitSettings(job_id=48, execution_id=5, execution_owned=True), until_terminal=True)
    verdict = w.take(st(S.CANCELED, 5), T0)
    assert (verdict.status, verdict.job_status) == ("success", "CANCELED")


def test_v1_polls_the_configurations_status():
    w = ExecutionWatch(WaitSettings(job_id=41, api_version=1))
    request = w.next_request(ENDPOINTS)
    assert (request.command, request.path) == ("status_v1", "/rest/job-configuration/job-status/41")


def test_a_huge_unknown_status_is_logged_cut(caplog):
    w = watch(5)
    with caplog.at_level(logging.WARNING):
        w.take(ExecutionStatus(S.UNKNOWN, 5, 48, "P" * 100_000), T0)
    assert "(100000 characters)" in caplog.text
    assert len(caplog.text) < 2_000


def test_the_progress_line_is_info_only_when_something_moved(caplog):
    """A triggerer stores every INFO line of every trigger: a poll that saw nothing new logs at DEBUG."""
    w = watch(5)
    polls = [
        (st(S.QUEUED, 5), 0),
        (st(S.QUEUED, 5), 10),
        (st(S.RUNNING, 5, progress=1.0, estimate_seconds=900), 20),
        (st(S.RUNNING, 5, progress=4.0, estimate_seconds=880), 30),
        (st(S.RUNNING, 5, progress=9.0, estimate_seconds=870), 40),
        (st(S.RUNNING, 5, progress=12.0, estimate_seconds=860), 50),
        (st(S.RUNNING, 5, progress=13.0, estimate_seconds=850), 60),
        (st(S.RUNNING, 5, progress=14.0, estimate_seconds=500), 360),  # quiet for 5 minutes: said again
    ]
    with caplog.at_level(logging.DEBUG, logger="airflow_provider_datameer.core.watch"):
        for status, at in polls:
            assert w.take(status, T0 + at) is None
    levels = [(r.levelname, r.getMessage()) for r in caplog.records if " is " in r.getMessage()]
    assert [level for level, _ in levels] == ["INFO", "DEBUG", "INFO", "DEBUG", "DEBUG", "INFO", "DEBUG", "INFO"]
    assert levels[2][1] == "Datameer job 48 execution 5 is RUNNING, 1% done, about 900 s left"
    assert levels[5][1].endswith("12% done, about 860 s left")
