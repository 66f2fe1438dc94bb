"""F1-F4: transient trouble while a task waits — 5xx bursts, the server down, slow answers, rate limits.

Each test runs the task (operator or sensor) to its end and checks the outcome, the message and what the
emulator saw. The connection's retries are the suite's fast ones (tests/conftest.py: 3 attempts, 0.05 s
backoff) unless a test says otherwise.
"""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from airflow_provider_datameer.core.errors import DatameerTransientError
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed
from tests.faults.support import BOTH_MODES, after_trigger, fault_while_waiting, outage
from tests.support import (
    FAST,
    connection_json,
    context,
    execution,
    rest_executions,
    run_deferrable,
    task_log,
    trigger_op,
    wait_for_logged,
)
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("close_sessions")


# ---------------------------------------------------------------------------------------------- F1
@BOTH_MODES
def test_f1_burst_of_5xx_while_polling_is_survived(emulator, datameer_conn, deferrable, capsys, caplog):
    """Eight 5xx answers in a row (500, 502, 503, 504 twice each) eat three polls' retries; the task succeeds."""
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=1.0)
    emulator.client.add_fault(kind="delay", seconds=0, endpoint="status_v2", count=1)  # the pre-trigger read
    for status in (500, 502, 503, 504):
        emulator.client.add_fault(kind="http_error", status=status, endpoint="status_v2", count=2)

    execution_id = run_deferrable(trigger_op(deferrable=deferrable, max_consecutive_errors=5), context())

    assert execution(emulator, execution_id)["status"] == "COMPLETED"
    polls = after_trigger(emulator, "status_v2")
    assert [r["status"] for r in polls[:8]] == [500, 500, 502, 502, 503, 503, 504, 504]
    assert polls[-1]["status"] == 200
    assert len(requests_for(emulator, "trigger_v2")) == 1
    assert requests_for(emulator, "stop_v2", "stop_v1") == []
    text = task_log(capsys, caplog)
    assert "Datameer answered with a server error" in text
    assert "allowed in a row failed, will retry" in text


# ---------------------------------------------------------------------------------------------- F2
def _scaled_conn(monkeypatch, server, **extra):
    """Fast retries (2 attempts, 0.1-0.2 s backoff) so that a poll against a down server fails in ~0.3 s."""
    extra.setdefault("retries", {"attempts": 2, "backoff": 0.1, "max_backoff": 0.2})
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(server.url, **extra))


@BOTH_MODES
def test_f2_short_outage_mid_wait_is_survived(own_emulator, monkeypatch, deferrable):
    """Scaled down from the issue's ~20 s: a 1 s outage against a budget of 20 failed polls of ~0.5 s each
    (0.3 s poll interval + 2 quick attempts), i.e. about 10 s of tolerance. The state is kept across the
    restart, so the run triggered before the outage is the one that ends."""
    _scaled_conn(monkeypatch, own_emulator)
    own_emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=1.5)
    op = trigger_op(deferrable=deferrable, poll_interval=0.3, max_consecutive_errors=20)

    with outage(own_emulator, seconds=1.0):
        execution_id = run_deferrable(op, context())

    assert execution(own_emulator, execution_id)["status"] == "COMPLETED"
    assert len(requests_for(own_emulator, "trigger_v2")) == 1


@BOTH_MODES
def test_f2_outage_longer_than_the_budget_fails_saying_unreachable(own_emulator, monkeypatch, deferrable):
    """Scaled: a budget of 3 failed polls (~1.5 s) against a server that stays down until the task ended."""
    _scaled_conn(monkeypatch, own_emulator)
    own_emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=30)

    with outage(own_emulator, seconds=None), pytest.raises(DatameerJobFailed) as info:
        run_deferrable(trigger_op(deferrable=deferrable, poll_interval=0.3, max_consecutive_errors=3), context())

    message = str(info.value)
    assert "unreachable or failing for 3 polls in a row" in message
    assert "could not connect to Datameer" in message or "the connection broke" in message
    assert "gave up after 2 attempts" in message
    assert len(requests_for(own_emulator, "trigger_v2")) == 1  # the state survived the outage


@pytest.mark.slow
def test_f2_twenty_second_outage_with_default_retries_is_survived(own_emulator, monkeypatch):
    """The issue's case at full scale: a real 20 s outage with the provider's default retries (3 attempts,
    1 s exponential backoff plus up to 1 s jitter) and error budget (5 polls in a row), and a 2 s poll
    interval. The job stays QUEUED through the outage (no run estimate to shorten the interval), so each
    failed poll costs at least 2 s + 1 s + 2 s = 5 s: 20 s of outage use at most 4 of the 5 allowed."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(own_emulator.url, retries={"attempts": 3, "backoff": 1})
    )
    own_emulator.client.patch_job(48, queue_seconds=21.0, run_seconds=1.0)

    with outage(own_emulator, seconds=20.0):
        execution_id = run_deferrable(trigger_op(deferrable=True, poll_interval=2), context())

    assert execution(own_emulator, execution_id)["status"] == "COMPLETED"
    assert len(requests_for(own_emulator, "trigger_v2")) == 1


# ---------------------------------------------------------------------------------------------- F3
@BOTH_MODES
def test_f3_answers_slower_than_the_timeout_are_retried_then_fail_clearly(emulator, datameer_conn, deferrable):
    """Every status answer comes after 0.6 s; the connection's timeout is 0.2 s. Each poll tries twice,
    two polls are allowed: the task fails naming the timeout, after exactly 4 timed-out status requests."""
    datameer_conn(timeout=0.2, retries={"attempts": 2, "backoff": 0.05, "max_backoff": 0.1})
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=30)
    fault_while_waiting(emulator, kind="delay", seconds=0.6)

    with pytest.raises(DatameerJobFailed) as info:
        run_deferrable(trigger_op(deferrable=deferrable, max_consecutive_errors=2), context())

    message = str(info.value)
    assert "no answer within 0.2 s" in message
    assert "gave up after 2 attempts" in message
    assert "unreachable or failing for 2 polls in a row" in message
    wait_for_logged(emulator, "status_v2", 1 + 4)  # delayed answers are logged when sent
    time.sleep(0.7)  # nothing else may be on its way
    assert len(after_trigger(emulator, "status_v2")) == 4
    assert len(requests_for(emulator, "trigger_v2")) == 1


def test_f3_a_trigger_answered_too_late_is_not_repeated_and_its_run_is_found(emulator, datameer_conn):
    """A timeout after the trigger was sent may mean the run started (issue 25: a task retry then started a
    second, and the first ran unwatched): the trigger is never re-sent, and the run it started late is found
    through the status and waited for."""
    datameer_conn(timeout=0.3)
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=0.5)
    emulator.client.add_fault(kind="delay", seconds=0.6, endpoint="trigger_v2", count=1)

    execution_id = trigger_op(deferrable=False, poll_interval=0.2).execute(context())

    assert len(wait_for_logged(emulator, "trigger_v2", 1)) == 1
    assert [e["id"] for e in rest_executions(emulator)] == [execution_id]
    assert execution(emulator, execution_id)["status"] == "COMPLETED"


def test_f3_a_failed_trigger_that_started_nothing_fails_after_the_grace(emulator, datameer_conn):
    """The connection broke after the trigger was sent and no run appeared within ``no_execution_grace``: the
    task fails with the trigger's error, and says it looked."""
    datameer_conn(retries={"attempts": 1})
    emulator.client.add_fault(kind="reset", endpoint="trigger_v2", count=1)

    with pytest.raises(DatameerTransientError, match="the connection broke") as info:
        trigger_op(deferrable=False, no_execution_grace=1).execute(context())

    assert "no run of it appeared within 1 s" in str(info.value)
    assert rest_executions(emulator) == []


# ---------------------------------------------------------------------------------------------- F4
def _gap_after_429(emulator, endpoint):
    """Seconds between the 429 answer and the next request of the same command (request log times)."""
    entries = requests_for(emulator, endpoint)
    limited = next(i for i, r in enumerate(entries) if r["status"] == 429)
    return entries[limited + 1]["time"] - entries[limited]["time"]


@pytest.mark.parametrize(
    ("deferrable", "retry_after", "at_least"),
    [(True, "1", 0.95), (False, "1", 0.95), (True, "http-date", 0.9)],
    ids=["deferred-delta-seconds", "worker-delta-seconds", "deferred-http-date"],
)
def test_f4_rate_limit_while_polling_waits_as_told(emulator, datameer_conn, deferrable, retry_after, at_least):
    """A 429 on a poll is retried after Retry-After (1 s, or an HTTP date ~2 s ahead in whole seconds), far
    longer than the 0.2 s poll interval and 0.05 s backoff, so the log's gap shows the header was obeyed."""
    if retry_after == "http-date":
        retry_after = formatdate(time.time() + 2, usegmt=True)
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=1.0)
    fault_while_waiting(emulator, kind="rate_limit", retry_after=retry_after, count=1)

    execution_id = run_deferrable(trigger_op(deferrable=deferrable), context())

    assert execution(emulator, execution_id)["status"] == "COMPLETED"
    assert _gap_after_429(emulator, "status_v2") >= at_least
    assert len(requests_for(emulator, "trigger_v2")) == 1


def test_f4_rate_limited_trigger_is_resent_after_retry_after_and_starts_one_run(emulator, datameer_conn):
    """429 means the server did not take the trigger on: resending it is safe, and only one run starts."""
    emulator.client.patch_job(48, **FAST)
    emulator.client.add_fault(kind="rate_limit", retry_after="1", endpoint="trigger_v2", count=1)

    execution_id = run_deferrable(trigger_op(deferrable=True), context())

    assert [r["status"] for r in requests_for(emulator, "trigger_v2")] == [429, 200]
    assert _gap_after_429(emulator, "trigger_v2") >= 0.9
    assert [e["id"] for e in emulator.client.state()["executions"] if e["file_id"] == 48] == [execution_id]


def test_f4_retry_after_is_capped_by_max_retry_after(emulator, datameer_conn):
    """An hour-long Retry-After is honoured only up to the connection's ``retries.max_retry_after``."""
    datameer_conn(retries={"attempts": 3, "backoff": 0.05, "max_retry_after": 0.5})
    emulator.client.patch_job(48, **FAST)
    fault_while_waiting(emulator, kind="rate_limit", retry_after="3600", count=1)

    execution_id = run_deferrable(trigger_op(deferrable=True), context())  # would hang for an hour otherwise

    assert DatameerHook().get_job_details(execution_id).status.value == "COMPLETED"
    assert _gap_after_429(emulator, "status_v2") >= 0.45
