"""Endpoint discovery and the Test button against the emulator over loopback HTTP."""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.discovery import FOUND, MISSING, UNKNOWN, discover
from airflow_provider_datameer.core.endpoints import DEFAULT_ENDPOINTS
from airflow_provider_datameer.emulator.switches import DEFAULT_SWITCHES
from airflow_provider_datameer.hooks.datameer import DatameerHook

V2_COMMANDS = {c for c, e in DEFAULT_ENDPOINTS.items() if e.path.startswith("/api/")}
#: Probes plus one unknown URL under /rest/ and one under /api/.
REQUESTS = len(DEFAULT_ENDPOINTS) + 2


def states(report) -> dict[str, str]:
    return {f.command: f.state for f in report.findings}


def test_every_command_is_found_with_gets_only_and_nothing_changes(emulator, datameer_conn):
    before = emulator.client.state()

    report = discover(DatameerHook())

    assert set(states(report).values()) == {FOUND}
    assert report.server_version == "11.0.6"
    log = emulator.client.requests()
    assert len(log) == REQUESTS
    assert {r["method"] for r in log} == {"GET"}
    after = emulator.client.state()
    assert (after["jobs"], after["executions"]) == (before["jobs"], before["executions"])


def test_a_server_without_api_routes_misses_the_v2_commands_and_is_told_to_use_v1(emulator, datameer_conn):
    emulator.client.set_switches(api_v2=False)

    report = discover(DatameerHook())

    assert {c for c, s in states(report).items() if s == MISSING} == V2_COMMANDS
    assert {c for c, s in states(report).items() if s == FOUND} == set(DEFAULT_ENDPOINTS) - V2_COMMANDS
    assert any('the connection extra "api_version": 1' in fix for fix in report.fixes)
    assert report.endpoints_fix == {}


def test_a_command_overridden_to_a_wrong_path_is_missing_with_its_override(emulator, datameer_conn):
    datameer_conn(
        endpoints={"trigger_v2": "/api/job-execution/{job}/start", "job_details": "/rest/details/{execution_id}"}
    )

    report = discover(DatameerHook())

    assert {c for c, s in states(report).items() if s != FOUND} == {"trigger_v2", "job_details"}
    assert report.endpoints_fix["trigger_v2"] == {"path": "/api/job-execution/{job}/trigger", "method": "POST"}
    sent = {f.command: f.sent for f in report.findings}
    assert sent["trigger_v2"] == "GET /api/job-execution/2147483647/start"


def test_an_old_server_is_warned_about(emulator, datameer_conn):
    emulator.client.set_switches(product_version="7.1.3")

    ok, message = DatameerHook().test_connection()

    assert ok
    assert message.startswith("Connected to Datameer 7.1.3; all 12 commands found.")
    assert "older than 7.2.5" in message


def test_a_failing_probe_is_unclear_and_not_retried(emulator, datameer_conn):
    emulator.client.add_fault(endpoint="status_v2", kind="http_error", status=500)

    report = discover(DatameerHook())

    assert states(report)["status_v2"] == UNKNOWN
    assert len(emulator.client.requests("status_v2")) == 1
    assert "unclear: status_v2" in report.summary()


@pytest.mark.skipif("routes" not in DEFAULT_SWITCHES, reason="the emulator has no 'routes' switch on this branch yet")
def test_routes_moved_on_the_server_are_missing_until_the_connection_follows_them(emulator, datameer_conn):
    moved = {"trigger_v2": {"path": "/api/job-execution/{job}/run", "method": "PUT"}}
    emulator.client.set_switches(routes=moved)

    report = discover(DatameerHook())
    assert {c for c, s in states(report).items() if s != FOUND} == {"trigger_v2"}

    datameer_conn(endpoints=moved)
    report = discover(DatameerHook())
    assert set(states(report).values()) == {FOUND}
    assert {r["method"] for r in emulator.client.requests()} == {"GET"}


# ---------------------------------------------------------------------------------------------- Test button
def test_test_button_summary(emulator, datameer_conn):
    assert DatameerHook().test_connection() == (True, "Connected to Datameer 11.0.6; all 12 commands found")


def test_test_button_lists_missing_commands(emulator, datameer_conn):
    emulator.client.set_switches(api_v2=False)

    ok, message = DatameerHook().test_connection()

    assert ok
    assert "missing: status_v2, trigger_v2, trigger_sequential, stop_v2" in message
    assert "(see `airflow datameer check`)" in message


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        pytest.param({"password": "wrong-secret"}, "the credentials were refused; HTTP 401", id="wrong-password"),
        pytest.param({"endpoints": "{not json"}, "'endpoints' is not valid JSON", id="endpoints-not-json"),
    ],
)
def test_test_button_fails_on_bad_credentials_and_bad_extras(emulator, datameer_conn, setup, fragment):
    datameer_conn(**setup)

    ok, message = DatameerHook().test_connection()

    assert not ok
    assert fragment in message
    assert "wrong-secret" not in message
    assert len(emulator.client.requests()) <= 1


def test_test_button_fails_fast_when_unreachable(emulator, monkeypatch):
    from tests.support import connection_json

    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json("http://127.0.0.1:9"))

    ok, message = DatameerHook().test_connection()

    assert not ok
    assert "could not connect to Datameer" in message


def test_test_button_fails_when_the_server_is_not_datameer(emulator, datameer_conn):
    datameer_conn(base_path="/wrong/prefix")  # every URL 404: not a Datameer at this address

    ok, message = DatameerHook().test_connection()

    assert not ok
    assert message.startswith("Not connected: the server did not answer license-details as Datameer does (HTTP 404")


def test_on_api_version_1_the_v2_commands_are_not_needed(emulator, datameer_conn):
    """A pre-7.2.5 server with a connection on the V1 path: nothing is missing, the V2 commands are not probed."""
    from airflow_provider_datameer.core.discovery import discover
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    emulator.client.set_switches(api_v2=False)
    datameer_conn(api_version=1)

    report = discover(DatameerHook())

    assert report.complete
    assert sorted(report.commands("not probed")) == ["status_v2", "stop_v2", "trigger_sequential", "trigger_v2"]
    assert not [r for r in emulator.client.requests() if r["path"].startswith("/api/job-execution")]
