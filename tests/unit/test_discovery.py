"""Endpoint discovery, sans-I/O: which requests are planned, and what each kind of answer means."""

from __future__ import annotations

import json

import pytest

from airflow_provider_datameer.core import discovery
from airflow_provider_datameer.core.discovery import FOUND, MISSING, NOT_PROBED, REFUSED, UNKNOWN
from airflow_provider_datameer.core.endpoints import DEFAULT_ENDPOINTS, Response, resolve_endpoints

JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html;charset=utf-8"}
V2_FAILURE = b'{"status": "failure", "reason": "File doesn\'t exist or isn\'t accessible with current permissions"}'
SERVLET_404 = b"<html><body><h1>HTTP Status 404 - Not Found</h1><p>%s</p></body></html>"


def probe_for(command: str, overrides: object = None) -> discovery.Probe:
    return next(p for p in discovery.plan(resolve_endpoints(overrides)) if p.command == command)


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Response:
    return Response(status, headers or {}, body)


def unknown_url_page(prefix: str) -> Response:
    path = f"{prefix}airflow-provider-datameer-probe-no-such-command"
    return answer(404, json.dumps({"error": f"Not Found: {path}"}).encode(), JSON)


# ---------------------------------------------------------------------------------------------- plan
def test_plan_never_sends_a_state_changing_method():
    probes = discovery.plan(resolve_endpoints())

    assert next(p.command for p in probes) == "license"  # first: the version and the credentials
    assert {p.command for p in probes} == set(DEFAULT_ENDPOINTS)
    assert {p.request.method for p in probes if p.request} == {"GET"}
    stand_ins = {p.command for p in probes if not p.own_method}
    assert stand_ins == {"trigger_v2", "trigger_v1", "trigger_sequential", "stop_v2", "stop_v1", "delete"}
    sent = {p.command: p.sent for p in probes}
    assert sent["trigger_v2"] == "GET /api/job-execution/2147483647/trigger"
    assert sent["delete"] == "GET /rest/data/2147483647"
    assert sent["job_history"] == "GET /rest/job-configuration/job-history/2147483647?start=0&length=1"


def test_a_state_changing_command_moved_to_get_is_not_probed():
    probe = probe_for("stop_v2", {"stop_v2": {"path": "/api/job-execution/{job}/halt", "method": "GET"}})

    assert probe.request is None
    finding = discovery.not_probed(probe)
    assert (finding.state, finding.detail) == (NOT_PROBED, "not probed: its method is GET")


def test_a_read_command_moved_to_post_is_probed_with_get():
    probe = probe_for("status_v2", {"status_v2": {"path": "/api/job-execution/{job}/state", "method": "POST"}})

    assert (probe.sent, probe.own_method) == ("GET /api/job-execution/2147483647/state", False)


def test_one_unknown_url_per_first_path_segment():
    requests = discovery.baseline_requests(discovery.plan(resolve_endpoints()))

    assert {prefix: r.path for prefix, r in requests.items()} == {
        "/rest/": "/rest/airflow-provider-datameer-probe-no-such-command",
        "/api/": "/api/airflow-provider-datameer-probe-no-such-command",
    }


# ---------------------------------------------------------------------------------------------- judge
READ_CASES = [
    # (command, answer, unknown URL's answer, state)
    ("status_v2", answer(404, V2_FAILURE, JSON), unknown_url_page("/api/"), FOUND),
    ("status_v2", answer(200, V2_FAILURE, JSON), None, FOUND),
    ("status_v2", answer(400, V2_FAILURE, JSON), None, FOUND),
    ("status_v2", answer(403, V2_FAILURE, JSON), None, FOUND),  # Datameer's "no such file or no rights"
    ("status_v2", answer(404, SERVLET_404 % b"/api/job-execution/2147483647/status", HTML), None, MISSING),
    ("status_v2", answer(404), None, MISSING),
    (
        "status_v2",
        answer(404, b'{"error": "Not Found: /api/job-execution/2147483647/status"}', JSON),
        unknown_url_page("/api/"),
        MISSING,
    ),
    ("status_v1", answer(200, b"{}", JSON), None, FOUND),
    ("job_history", answer(200, b"[]", JSON), None, FOUND),
    (
        "status_v1",
        answer(404, b'{"error": "No job configuration with id 2147483647"}', JSON),
        unknown_url_page("/rest/"),
        FOUND,
    ),
    ("job_details", answer(400, b'{"error": "bad id"}', JSON), None, FOUND),
    ("license", answer(200, b'{"ProductVersion": "11.0.6"}', JSON), None, FOUND),
    ("license", answer(200, b"<html>login</html>", HTML), None, UNKNOWN),
    ("status_v2", answer(405, b"", {"Allow": "POST"}), None, MISSING),
    ("status_v2", answer(401, b"", {"WWW-Authenticate": 'Basic realm="Datameer"'}), None, REFUSED),
    ("status_v2", answer(403, b'{"error": "Forbidden"}', JSON), None, REFUSED),
    ("status_v2", answer(302, b"", {"Location": "/login"}), None, UNKNOWN),
    ("status_v2", answer(500, b"<html>boom</html>", HTML), None, UNKNOWN),
]


@pytest.mark.parametrize(("command", "response", "unknown_url", "state"), READ_CASES)
def test_read_probe_answers(command, response, unknown_url, state):
    finding = discovery.judge(probe_for(command), response, unknown_url)

    assert finding.state == state, finding.detail
    assert finding.http_status == response.status
    assert str(response.status) in finding.detail


STAND_IN_CASES = [
    ("trigger_v2", answer(405, b"", {"Allow": "POST"}), None, FOUND),
    ("trigger_v2", answer(405, b"<html>405</html>", HTML), None, FOUND),  # no Allow header: still there
    ("delete", answer(405, b"", {"Allow": "DELETE, OPTIONS"}), None, FOUND),
    ("trigger_v2", answer(405, b"", {"Allow": "PUT"}), None, MISSING),  # there, but not with POST
    ("trigger_v2", answer(404, SERVLET_404 % b"/api/job-execution/2147483647/trigger", HTML), None, MISSING),
    (
        "stop_v1",
        answer(404, b'{"error": "Not Found: /rest/job-execution/job-kill/2147483647"}', JSON),
        unknown_url_page("/rest/"),
        MISSING,
    ),
    (
        "stop_v1",
        answer(404, b'{"error": "No job execution with id 2147483647"}', JSON),
        unknown_url_page("/rest/"),
        UNKNOWN,
    ),
    ("trigger_v1", answer(200, b"[]", JSON), None, UNKNOWN),  # something answers GET; POST not tried
    ("stop_v2", answer(401), None, REFUSED),
    ("stop_v2", answer(500), None, UNKNOWN),
]


@pytest.mark.parametrize(("command", "response", "unknown_url", "state"), STAND_IN_CASES)
def test_stand_in_get_answers(command, response, unknown_url, state):
    finding = discovery.judge(probe_for(command), response, unknown_url)

    assert finding.state == state, finding.detail
    assert finding.sent.startswith("GET ")


def test_a_405_names_the_allowed_methods():
    finding = discovery.judge(probe_for("trigger_v2"), answer(405, b"", {"Allow": "GET, PUT"}))

    assert finding.allowed == ("GET", "PUT")
    assert "allows GET, PUT, not POST" in finding.detail


# ---------------------------------------------------------------------------------------------- report
def findings(states: dict[str, str]) -> list[discovery.Finding]:
    return [
        discovery.Finding(c, e.method, e.path, states.get(c, FOUND), "detail") for c, e in resolve_endpoints().items()
    ]


@pytest.mark.parametrize(
    ("version", "old"),
    [("7.2.4", True), ("6.4.10", True), ("7.2", True), ("7.2.5", False), ("11.0.6", False), ("x", False)],
)
def test_servers_older_than_7_2_5_are_warned_about(version, old):
    report = discovery.report(findings({}), version)

    assert bool(report.warnings) is old
    assert ("older than 7.2.5" in report.summary()) is old


def test_version_numbers():
    assert discovery.version_tuple("7.2.5-SNAPSHOT") == (7, 2, 5)
    assert discovery.version_tuple("10.1.2.1") == (10, 1, 2, 1)
    assert discovery.version_tuple("dev") == ()


def test_all_found_summary():
    report = discovery.report(findings({}), "11.0.6")

    assert report.complete
    assert report.summary() == "Connected to Datameer 11.0.6; all 12 commands found"
    assert report.fixes == ()


def test_missing_commands_get_the_endpoints_override_from_the_default_path():
    report = discovery.report(findings({"trigger_v2": MISSING, "delete": MISSING}), "11.0.6")

    assert not report.complete
    assert report.endpoints_fix == {
        "trigger_v2": {"path": "/api/job-execution/{job}/trigger", "method": "POST"},
        "delete": {"path": "/rest/data/{execution_id}", "method": "DELETE"},
    }
    assert json.dumps(dict(report.endpoints_fix)) in report.fixes[0]
    summary = report.summary()
    assert "missing: trigger_v2, delete" in summary
    assert "set the connection extra 'endpoints'" in summary
    assert "airflow datameer check" in summary


def test_a_route_with_another_method_gets_that_method_in_the_fix():
    probe = probe_for("trigger_v2")
    finding = discovery.judge(probe, answer(405, b"", {"Allow": "PUT"}))

    report = discovery.report([finding, *[f for f in findings({}) if f.command != "trigger_v2"]], "11.0.6")

    assert report.endpoints_fix == {"trigger_v2": {"path": "/api/job-execution/{job}/trigger", "method": "PUT"}}


def test_no_api_commands_at_all_suggests_the_v1_path():
    v2 = {c: MISSING for c, e in DEFAULT_ENDPOINTS.items() if e.path.startswith("/api/")}
    report = discovery.report(findings(v2), "11.0.6")

    assert len(report.fixes) == 1
    assert 'api_version=1 on the operators and the sensor, or the connection extra "api_version": 1' in report.fixes[0]
    assert report.endpoints_fix == {}


def test_an_old_server_missing_one_api_command_gets_the_v1_advice():
    report = discovery.report(findings({"stop_v2": MISSING}), "7.1.0")

    assert "stop_v2" in report.fixes[0]
    assert "api_version" in report.fixes[0]


def test_report_as_json_is_plain_data():
    report = discovery.report(findings({"trigger_v2": MISSING}), "11.0.6")

    data = json.loads(json.dumps(report.to_dict()))
    assert data["complete"] is False
    assert {f["command"]: f["state"] for f in data["findings"]}["trigger_v2"] == MISSING


@pytest.mark.parametrize(
    ("license_answer", "fragment"),
    [
        (answer(404, SERVLET_404 % b"/rest/license-details", HTML), "HTTP 404 and not a Datameer answer"),
        (
            answer(302, b"", {"Location": "https://sso.example.com/login"}),
            "redirected to https://sso.example.com/login",
        ),
    ],
)
def test_a_server_that_does_not_answer_license_details_is_not_connected(license_answer, fragment):
    license_finding = discovery.judge(probe_for("license"), license_answer)
    rest = [f for f in findings({}) if f.command != "license"]

    report = discovery.report([license_finding, *rest], None)

    assert not report.connected
    assert report.summary().startswith("Not connected: the server did not answer license-details as Datameer does")
    assert fragment in report.summary()
