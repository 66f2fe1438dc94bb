"""The sans-I/O core under arbitrary input: response reading, body parsers, value parsers, status, identifiers."""

from __future__ import annotations

import contextlib
import json
import math
import re
import string
from datetime import datetime
from urllib.parse import quote, unquote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from airflow_provider_datameer.core import models
from airflow_provider_datameer.core.endpoints import DEFAULT_ENDPOINTS, build_request
from airflow_provider_datameer.core.errors import DatameerError, DatameerTransientError, DatameerUnexpectedResponseError
from airflow_provider_datameer.core.identifiers import encode_job_ref
from airflow_provider_datameer.core.responses import parse_retry_after, read_response
from airflow_provider_datameer.status import DatameerJobStatus
from tests.fuzz.support import (
    ANY_TEXT,
    BODIES,
    BODY_VALUES,
    FUZZ,
    HEADERS,
    HTTP_STATUS,
    JOB_IDS,
    JSON,
    raised,
)

PARAMS = {"job": 48, "configuration_id": 41, "execution_id": 7, "start": 0, "length": 10}
REQUESTS = {command: build_request(DEFAULT_ENDPOINTS, command, **PARAMS) for command in DEFAULT_ENDPOINTS}
BODY_PARSERS = (
    models.parse_status_v1,
    models.parse_status_v2,
    models.parse_trigger_v1,
    models.parse_trigger_v2,
    models.parse_history,
    models.parse_job_details,
    models.parse_active_jobs,
    models.parse_server_version,
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# ---- regressions: bugs this tier found, now fixed
@pytest.mark.parametrize(
    "body",
    [b'{"successCount": "1e400"}', b'{"failureCount": Infinity}', b'{"counters": {"IMPORT_RECORDS": 1e999}}'],
)
def test_regression_infinite_count_in_job_details_is_not_a_documented_error(body):
    """Job details with an infinite count escape as OverflowError (a task would crash after its run ended:
    outcome.summarize catches only DatameerError/ValueError). Expected: a count of 0/None, or
    DatameerUnexpectedResponseError."""
    with contextlib.suppress(DatameerUnexpectedResponseError):
        read_response(REQUESTS["job_details"], 200, {}, body)


@pytest.mark.parametrize("digits", ["²", "12³", "①"])
def test_regression_non_decimal_digits_in_an_id_escape_as_a_bare_value_error(digits):
    """``"²".isdigit()`` is true but ``int("²")`` fails: a bare ValueError without the command's name
    instead of DatameerUnexpectedResponseError (the check should be ``isdecimal() and isascii()``)."""
    body = json.dumps({"job-status": "RUNNING", "job-execution-id": digits}).encode()
    with contextlib.suppress(DatameerUnexpectedResponseError):
        read_response(REQUESTS["status_v2"], 200, {}, body)


@pytest.mark.parametrize("parse", [models.parse_duration_seconds, models.parse_progress])
def test_regression_huge_integer_in_estimate_or_progress_raises(parse):
    """``"job-progress": 1000…0`` (400 digits) in a V2 status: ``float(10**400)`` raises OverflowError out of
    parse_status_v2 and api.read_response, and through apoll_once (which catches DatameerError/ValueError)
    out of the trigger. Expected: ``None`` (documented: never raises, unparseable is None)."""
    assert parse(10**400) is None


# ---------------------------------------------------------------------------------------------- responses
@FUZZ
@given(command=st.sampled_from(sorted(REQUESTS)), status=HTTP_STATUS, headers=HEADERS, body=BODIES)
def test_read_response_returns_a_result_or_a_documented_error(command, status, headers, body):
    """Any status, headers and body: a typed result, or a DatameerError/ValueError that renders and names
    the command; a transient error's Retry-After is never negative."""
    exc = raised(lambda: read_response(REQUESTS[command], status, headers, body), ValueError, Exception)
    if exc is None or (isinstance(exc, ValueError) and not isinstance(exc, DatameerError)):
        return
    assert isinstance(exc, DatameerError), repr(exc)
    if isinstance(exc, DatameerError):
        assert command in str(exc)
    if isinstance(exc, DatameerTransientError):
        assert exc.retry_after is None or exc.retry_after >= 0


@FUZZ
@given(parser=st.sampled_from(BODY_PARSERS), body=BODY_VALUES)
def test_body_parsers_return_a_result_or_raise_shape_error(parser, body):
    """Decoded JSON of any shape: a typed result, or ShapeError (the one error api.read_response turns into
    DatameerUnexpectedResponseError naming the command)."""
    exc = raised(lambda: parser(body), Exception)
    assert exc is None or isinstance(exc, models.ShapeError), repr(exc)


@FUZZ
@given(value=st.one_of(JSON, st.datetimes().map(str), st.datetimes().map(datetime.isoformat)))
@example(value=10**400)
@example(value="9" * 400)
def test_value_parsers_never_raise(value):
    parsed = models.parse_datameer_time(value)
    assert parsed is None or isinstance(parsed, datetime)
    plausible = {models.parse_duration_seconds: lambda s: s >= 0, models.parse_progress: lambda p: 0 <= p <= 100}
    for parse, is_plausible in plausible.items():
        results: list[float | None] = []
        exc = raised(lambda parse=parse, results=results: results.append(parse(value)), Exception)
        assert exc is None, repr(exc)
        assert results[0] is None or is_plausible(results[0])


@FUZZ
@given(value=st.one_of(ANY_TEXT, HEADERS.map(lambda h: next(iter(h.values()), "")), st.none()))
@example(value="1e400")
@example(value="nan")
@example(value="Wed, 21 Oct 2015 07:28:00 -0000")
def test_retry_after_is_seconds_or_none(value):
    seconds = parse_retry_after(value)
    assert seconds is None or (seconds >= 0 and not math.isnan(seconds))


# ---------------------------------------------------------------------------------------------- status
@FUZZ
@given(raw=st.one_of(JSON, ANY_TEXT, st.binary(max_size=8), st.builds(object)))
def test_status_from_raw_never_raises(raw):
    assert isinstance(DatameerJobStatus.from_raw(raw), DatameerJobStatus)


@FUZZ
@given(
    member=st.sampled_from(list(DatameerJobStatus)),
    case=st.lists(st.booleans(), min_size=32, max_size=32),
    pad=st.sampled_from(["", " ", "\t", " \n"]),
)
def test_status_from_raw_ignores_case_and_padding(member, case, pad):
    raw = "".join(c.upper() if up else c.lower() for c, up in zip(member.value, case, strict=False))
    assert DatameerJobStatus.from_raw(pad + raw + pad) is member


# ---------------------------------------------------------------------------------------------- identifiers
def canonical(job_id: object) -> str:
    """What an accepted job_id names: the path itself, a file id without padding, a lower-case uuid."""
    if isinstance(job_id, int):
        return str(job_id)
    assert isinstance(job_id, str)
    text = job_id.strip()
    if text.startswith("/"):
        return job_id
    if text.isdecimal() and text.isascii():
        return str(int(text))
    assert _UUID.match(text.lower()), f"accepted {job_id!r} that is no id, uuid or path"
    return text.lower()


@FUZZ
@given(job_id=JOB_IDS)
@example(job_id="/a/../b c%2F?#")
@example(job_id="/\udc80")
@example(job_id="/" + "文" * 1000)
def test_encoded_job_ref_is_one_segment_that_decodes_back(job_id):
    try:
        segment = encode_job_ref(job_id)
    except ValueError:
        return
    assert segment
    assert "/" not in segment
    assert not set(segment) - set(string.ascii_letters + string.digits + "%-._~")
    assert unquote(segment, errors="strict") == canonical(job_id)
    assert quote(unquote(segment), safe="") == segment


@FUZZ
@given(command=st.sampled_from(sorted(c for c, e in DEFAULT_ENDPOINTS.items() if "{job}" in e.path)), job_id=JOB_IDS)
def test_requests_keep_the_template_segments_whatever_the_job(command, job_id):
    try:
        request = build_request(DEFAULT_ENDPOINTS, command, job=job_id)
    except ValueError:
        return
    template = DEFAULT_ENDPOINTS[command].path
    assert request.path.count("/") == template.count("/")
    assert "?" not in request.path
    assert "#" not in request.path
