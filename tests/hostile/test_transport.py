"""Bounded I/O and mapped failures (issue #12, items 3, 4 and 8): one table, both transports.

Each behaviour of the hostile server must end in one of our error classes, within a generous multiple of
the connection's ``timeout`` (proof that nothing waited for the server), having read no more than the size
cap (proof by the error: a gzip bomb or an endless body is refused as too large, not parsed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from airflow_provider_datameer.core.errors import (
    DatameerError,
    DatameerRejectedError,
    DatameerResponseTooLargeError,
    DatameerTimeoutError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.core.retry import UNSAFE_TO_REPEAT_HINT
from airflow_provider_datameer.hooks.datameer import DatameerHook
from tests.hostile.support import TIMEOUT
from tests.support import BOTH_PATHS, IMPORT, context

#: "Did not hang": a call returns within this many seconds (three times the connection's timeout).
BOUND = 3 * TIMEOUT


@dataclass(frozen=True)
class Case:
    behaviour: str
    error: type[DatameerError]
    fragment: str


CASES = [
    Case("silent", DatameerTimeoutError, "no answer within 2 s"),
    Case("slow-head", DatameerTimeoutError, "no answer within 2 s"),
    Case("slow-body", DatameerTimeoutError, "no answer within 2 s"),
    Case("endless-body", DatameerResponseTooLargeError, "size cap of 8388608 bytes"),
    Case("huge-body", DatameerResponseTooLargeError, "size cap of 8388608 bytes"),
    Case("huge-undeclared", DatameerResponseTooLargeError, "size cap of 8388608 bytes"),
    Case("gzip-bomb", DatameerResponseTooLargeError, "size cap of 8388608 bytes"),
    Case("bad-gzip", DatameerUnexpectedResponseError, "could not be decoded"),
    Case("short-body", DatameerTransientError, "incomplete"),
    Case("broken-chunks", DatameerTransientError, "incomplete"),
    Case("cut-chunks", DatameerTransientError, "incomplete"),
    Case("endless-headers", DatameerUnexpectedResponseError, "not a valid HTTP response"),
    Case("not-http", DatameerUnexpectedResponseError, "not a valid HTTP response"),
]


async def _timed(call):
    started = time.monotonic()
    try:
        await call
    except DatameerError as exc:
        return exc, time.monotonic() - started
    raise AssertionError("the call succeeded against a misbehaving server")


@BOTH_PATHS
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.behaviour)
async def test_a_misbehaving_server_gives_our_error_within_the_deadline(hostile, via, case):
    hook = DatameerHook(hostile(case.behaviour))

    error, elapsed = await _timed(via(hook, "get_job_status", IMPORT))

    assert type(error) is case.error, repr(error)
    assert case.fragment in str(error)
    assert "(GET /api/job-execution/48/status)" in str(error)
    assert elapsed < BOUND, f"{elapsed:.1f} s"


@BOTH_PATHS
async def test_a_well_behaved_answer_still_reads(hostile, via):
    status = await via(DatameerHook(hostile("ok")), "get_job_status", IMPORT)

    assert (status.status, status.execution_id) == ("RUNNING", 7)


@BOTH_PATHS
async def test_max_response_bytes_raises_the_cap(hostile, via):
    hook = DatameerHook(hostile("gzip-bomb", max_response_bytes=16 * 1024**2))

    error, _ = await _timed(via(hook, "get_job_status", IMPORT))

    assert isinstance(error, DatameerResponseTooLargeError)
    assert "size cap of 16777216 bytes" in str(error)


@BOTH_PATHS
@pytest.mark.parametrize("behaviour", ["short-body", "slow-body"])
async def test_a_broken_status_read_is_retried(hostile_server, hostile, via, behaviour):
    hook = DatameerHook(hostile(behaviour, retries={"attempts": 2, "backoff": 0.01}))

    error, elapsed = await _timed(via(hook, "get_job_status", IMPORT))

    assert isinstance(error, DatameerTransientError)
    assert error.may_have_reached_server
    assert "gave up after 2 attempts" in str(error)
    assert len(hostile_server.requests) == 2
    assert elapsed < 2 * BOUND


@BOTH_PATHS
@pytest.mark.parametrize("behaviour", ["short-body", "cut-chunks", "slow-body"])
async def test_a_broken_trigger_answer_is_not_repeated_and_says_why(hostile_server, hostile, via, behaviour):
    hook = DatameerHook(hostile(behaviour, retries={"attempts": 3, "backoff": 0.01}))

    error, _ = await _timed(via(hook, "trigger_job", IMPORT))

    assert isinstance(error, DatameerTransientError)
    assert UNSAFE_TO_REPEAT_HINT in str(error)
    assert hostile_server.requests == [("POST", f"/{behaviour}/api/job-execution/48/trigger")]


@BOTH_PATHS
async def test_a_huge_reason_is_cut_in_the_message(hostile, via):
    hook = DatameerHook(hostile("long-reason", max_response_bytes=16 * 1024**2))

    error, _ = await _timed(via(hook, "get_job_status", IMPORT))

    assert isinstance(error, DatameerRejectedError)
    assert "(10485760 characters)" in str(error)
    assert len(str(error)) < 2000
    assert error.reason is not None
    assert len(error.reason) < 2000


def test_a_truncated_answer_counts_against_a_poking_sensors_error_budget(hostile):
    from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

    sensor = DatameerJobSensor(
        task_id="wait", job_id=IMPORT, datameer_conn_id=hostile("cut-chunks"), max_consecutive_errors=2
    )
    ctx = context()

    assert sensor.poke(ctx) is False  # the first broken answer is tolerated
    with pytest.raises(Exception, match="2 polls in a row") as caught:
        sensor.poke(ctx)
    assert "incomplete" in str(caught.value)
