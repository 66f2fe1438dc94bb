"""Endpoint table, identifier encoding and response checking of the transport-free core."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from airflow_provider_datameer.core import endpoints as api
from airflow_provider_datameer.core import responses
from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerNotFoundError,
    DatameerRejectedError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.core.models import ExecutionStatus
from airflow_provider_datameer.status import DatameerJobStatus

ENDPOINTS = api.resolve_endpoints()


def req(command="status_v2", **params):
    params = params or {"job": 48}
    return api.build_request(ENDPOINTS, command, **params)


# ---------------------------------------------------------------------------------------------- endpoint table
def test_default_table_matches_design():
    expected = {
        "status_v1": ("GET", "/rest/job-configuration/job-status/{configuration_id}"),
        "status_v2": ("GET", "/api/job-execution/{job}/status"),
        "job_history": ("GET", "/rest/job-configuration/job-history/{configuration_id}?start={start}&length={length}"),
        "job_details": ("GET", "/rest/job-execution/job-details/{execution_id}"),
        "list_running": ("GET", "/rest/jobs/list-running"),
        "trigger_v2": ("POST", "/api/job-execution/{job}/trigger"),
        "trigger_v1": ("POST", "/rest/job-execution?configuration={configuration_id}"),
        "trigger_sequential": ("POST", "/api/job-execution/{job}/sequential-trigger"),
        "stop_v2": ("POST", "/api/job-execution/{job}/stop"),
        "stop_v1": ("POST", "/rest/job-execution/job-kill/{execution_id}"),
        "delete": ("DELETE", "/rest/data/{execution_id}"),
        "license": ("GET", "/rest/license-details"),
    }
    assert {c: (e.method, e.path) for c, e in api.DEFAULT_ENDPOINTS.items()} == expected
    assert [c for c, e in api.DEFAULT_ENDPOINTS.items() if not e.idempotent] == [
        "trigger_v2",
        "trigger_v1",
        "trigger_sequential",
    ]


def test_override_path_and_method():
    table = api.resolve_endpoints(
        '{"stop_v2": "/api/job-execution/{job}/cancel", "delete": {"path": "/rest/x/{execution_id}", "method": "post"}}'
    )
    assert table["stop_v2"].path == "/api/job-execution/{job}/cancel"
    assert table["stop_v2"].method == "POST"
    assert table["delete"].method == "POST"
    assert table["status_v2"] == api.DEFAULT_ENDPOINTS["status_v2"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stop": "/x"}, "unknown command 'stop'"),
        ({"stop_v2": "api/x/{job}"}, "must start with '/'"),
        ({"stop_v2": "/api/{file}/stop"}, "unknown placeholder(s) file"),
        ({"stop_v2": "/api/stop"}, "must contain {job}"),
        ({"stop_v2": {"path": "/a/{job}", "method": "YANK"}}, "method 'YANK'"),
        ({"stop_v2": 5}, "must be a path string"),
        ("{not json", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ({"stop_v2": "/a/{job"}, "bad template"),
    ],
)
def test_bad_override_names_command_and_problem(overrides, message):
    with pytest.raises(ValueError) as info:  # noqa: PT011 (message checked below)
        api.resolve_endpoints(overrides)
    assert message in str(info.value)


# ---------------------------------------------------------------------------------------------- identifiers
@pytest.mark.parametrize(
    ("job_id", "segment"),
    [
        (48, "48"),
        ("48", "48"),
        (" 48 ", "48"),
        ("9424E496-6E1C-416C-B235-0DBE3DD80F33", "9424e496-6e1c-416c-b235-0dbe3dd80f33"),
        ("/Analytics/My Workbooks/sales_wb", "%2FAnalytics%2FMy%20Workbooks%2Fsales_wb"),
        ("/a/b%c?d#e/../f", "%2Fa%2Fb%25c%3Fd%23e%2F..%2Ff"),
        ("/Données/é", "%2FDonn%C3%A9es%2F%C3%A9"),
    ],
)
def test_job_ref_is_one_segment(job_id, segment):
    encoded = api.encode_job_ref(job_id)
    assert encoded == segment
    assert "/" not in encoded
    if isinstance(job_id, str) and job_id.startswith("/"):
        assert unquote(encoded) == job_id


@pytest.mark.parametrize(
    ("job_id", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (-1, "non-negative"),
        ("-5", "negative"),
        ("sales_wb", "neither a file id"),
        (True, "file id, uuid or file path"),
        (4.5, "file id, uuid or file path"),
        (None, "file id, uuid or file path"),
        ("/a\nb", "control characters"),
        ("/" + "x" * 3000, "characters long"),
    ],
)
def test_malformed_job_ids_raise_before_any_request(job_id, message):
    with pytest.raises(ValueError) as info:  # noqa: PT011 (message checked below)
        api.encode_job_ref(job_id)
    assert message in str(info.value)


@pytest.mark.parametrize("value", [-1, "abc", "1.5", None, True, "", "½"])
def test_bad_execution_ids(value):
    with pytest.raises(ValueError, match="execution_id"):
        api.build_request(ENDPOINTS, "job_details", execution_id=value)


def test_build_request_fills_templates():
    assert req("job_history", configuration_id="41", start=0, length=1).path == (
        "/rest/job-configuration/job-history/41?start=0&length=1"
    )
    r = req("job_details", execution_id="7")
    assert (r.method, r.path, r.execution_id) == ("GET", "/rest/job-execution/job-details/7", 7)
    assert req("trigger_v1", configuration_id=41).path == "/rest/job-execution?configuration=41"


# ---------------------------------------------------------------------------------------------- responses
JSON = {"Content-Type": "application/json"}


def test_success_is_parsed():
    body = b'{"status":"success","file-id":48,"job-execution-id":3,"job-status":"COMPLETED"}'
    result = responses.read_response(req(), 200, JSON, body)
    assert isinstance(result, ExecutionStatus)
    assert result.status is DatameerJobStatus.COMPLETED


@pytest.mark.parametrize("code", [200, 204])
def test_empty_stop_body_is_success(code):
    assert responses.read_response(req("stop_v2"), code, {}, b"") is None


def test_empty_body_where_json_is_due():
    with pytest.raises(DatameerUnexpectedResponseError, match="empty"):
        responses.read_response(req(), 200, JSON, b"")


FAILURE = b'{"status":"failure","reason":"File doesn\'t exist or isn\'t accessible with current permissions"}'


@pytest.mark.parametrize("code", [200, 400, 403, 404])
def test_failure_body_with_any_code_is_not_found_with_reason(code):
    with pytest.raises(DatameerNotFoundError) as info:
        responses.read_response(req(), code, JSON, FAILURE)
    text = str(info.value)
    assert "File doesn't exist or isn't accessible with current permissions" in text
    assert "status_v2 (GET /api/job-execution/48/status)" in text
    assert f"HTTP {code}" in text


def test_failure_with_other_reason_is_rejected():
    with pytest.raises(DatameerRejectedError) as info:
        responses.read_response(req("trigger_v2"), 409, JSON, b'{"status":"failure","reason":"Job is already running"}')
    assert not isinstance(info.value, DatameerNotFoundError)
    assert "Job is already running" in str(info.value)


def test_v1_error_body():
    with pytest.raises(DatameerNotFoundError, match="Job configuration 99 not found"):
        responses.read_response(
            req("status_v1", configuration_id=99), 404, JSON, b'{"error":"Job configuration 99 not found"}'
        )


def test_401_is_auth_error():
    with pytest.raises(DatameerAuthError, match="credentials were refused"):
        responses.read_response(req(), 401, {"WWW-Authenticate": 'Basic realm="Datameer"'}, b'{"error":"Unauthorized"}')


def test_403_without_failure_body_is_auth_error():
    with pytest.raises(DatameerAuthError, match="not allowed"):
        responses.read_response(req(), 403, {}, b"")


def test_404_html_on_api_path_hints_missing_v2():
    with pytest.raises(DatameerNotFoundError, match=r"7\.2\.5"):
        responses.read_response(req(), 404, {"Content-Type": "text/html"}, b"<html>Not Found</html>")


@pytest.mark.parametrize(("code", "reached"), [(500, True), (502, True), (503, False), (504, True), (429, False)])
def test_server_errors_are_transient(code, reached):
    with pytest.raises(DatameerTransientError) as info:
        responses.read_response(req(), code, {"Retry-After": "7"}, b'{"error":"injected"}')
    assert info.value.may_have_reached_server is reached
    assert info.value.retry_after == 7.0


def test_html_login_page_mentions_sso():
    page = b"<!DOCTYPE html><html><head><title>Datameer Login</title></head><body>Sign in</body></html>"
    with pytest.raises(DatameerUnexpectedResponseError) as info:
        responses.read_response(req(), 200, {"Content-Type": "text/html"}, page)
    assert "single-sign-on/login page" in str(info.value)
    assert "Datameer Login" in str(info.value)


def test_malformed_json_shows_what_came_back():
    with pytest.raises(DatameerUnexpectedResponseError) as info:
        responses.read_response(req(), 200, JSON, b'{"status": "success", "job-status": ' + b"x" * 500)
    text = str(info.value)
    assert "not valid JSON" in text
    assert len(text) < 800


def test_wrong_shape_names_command():
    with pytest.raises(DatameerUnexpectedResponseError, match=r"status_v2.*unexpected response shape"):
        responses.read_response(req(), 200, JSON, b"[1, 2]")


def test_redirect_is_explained():
    with pytest.raises(DatameerUnexpectedResponseError, match="redirect"):
        responses.read_response(req(), 302, {"Location": "https://sso.example.com/login"}, b"")


@pytest.mark.parametrize(
    ("value", "seconds"), [("5", 5.0), ("0", 0.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)]
)
def test_retry_after(value, seconds):
    assert responses.parse_retry_after(value) == seconds
