"""The waiting decision under any sequence of observations: it never raises, and only our execution's own
terminal status ends the wait (a stale or newer execution's status never does)."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_datameer.core.endpoints import resolve_endpoints
from airflow_provider_datameer.core.errors import DatameerAuthError, DatameerTransientError
from airflow_provider_datameer.core.models import ExecutionStatus, JobDetails
from airflow_provider_datameer.core.verdict import Verdict
from airflow_provider_datameer.core.wait_settings import WaitSettings
from airflow_provider_datameer.core.watch import ExecutionWatch
from airflow_provider_datameer.status import TERMINAL_STATES, DatameerJobStatus
from tests.fuzz.support import FUZZ, JSON

OURS = 100
ENDPOINTS = resolve_endpoints()
QUIET = logging.getLogger("tests.fuzz.quiet")
QUIET.disabled = True  # thousands of "will retry" warnings would only bury a failure
STATUSES = st.sampled_from(list(DatameerJobStatus))
ERRORS = st.one_of(
    st.builds(DatameerTransientError, st.just("down"), may_have_reached_server=st.booleans()),
    st.builds(DatameerAuthError, st.just("refused")),
)
#: What V2 status may answer: any execution's status (none yet, older, ours, newer), or an error.
STATUS_ANSWERS = st.one_of(
    st.builds(
        ExecutionStatus,
        status=STATUSES,
        execution_id=st.sampled_from([None, 1, OURS - 1, OURS, OURS + 1]),
        raw_status=st.one_of(st.none(), st.text(max_size=10)),
        estimate_seconds=st.one_of(st.none(), st.floats(min_value=0, max_value=1e12)),
    ),
    ERRORS,
)
#: What job details of our execution may answer.
DETAILS_ANSWERS = st.one_of(st.builds(JobDetails, execution_id=st.just(OURS), status=STATUSES), ERRORS)


@FUZZ
@given(
    answers=st.lists(st.tuples(STATUS_ANSWERS, DETAILS_ANSWERS, st.floats(min_value=0, max_value=1000)), max_size=30),
    fail_on_warnings=st.booleans(),
    grace=st.one_of(st.none(), st.floats(min_value=0, max_value=500)),
)
def test_only_our_executions_terminal_status_ends_the_wait_successfully(answers, fail_on_warnings, grace):
    """Drive the watch as the poll procedure does (it asks, the server answers what was asked) through any answers."""
    settings = WaitSettings(
        job_id=48,
        execution_id=OURS,
        execution_owned=True,
        fail_on_warnings=fail_on_warnings,
        no_execution_grace=grace,
        max_consecutive_errors=3,
        waiting_since=0,
    )
    watch = ExecutionWatch(settings, log=QUIET)
    now = 0.0
    for status_answer, details_answer, step in answers:
        now += step
        request = watch.next_request(ENDPOINTS)
        asked_details = request.command == "job_details"
        answer = details_answer if asked_details else status_answer
        assert request.path.endswith(f"/{OURS}" if asked_details else "/48/status")
        verdict = watch.take(answer, now)
        assert watch.delay(30.0, now) >= 0
        if verdict is None:
            continue
        assert verdict.execution_id == OURS
        if verdict.status == "success":
            assert isinstance(answer, JobDetails) or answer.execution_id == OURS
            assert answer.status in TERMINAL_STATES
        break


@FUZZ
@given(event=st.one_of(JSON, st.dictionaries(st.sampled_from(list(Verdict.__dataclass_fields__)), JSON)))
def test_any_trigger_event_becomes_a_verdict(event):
    verdict = Verdict.from_event(event)
    assert verdict.status in ("success", "error", "timeout")
    assert isinstance(verdict.message, str)
    assert isinstance(verdict.job_id, str)
