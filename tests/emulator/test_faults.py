"""Every fault kind, scoping (endpoint, job, count, probability+seed), and how faults are logged."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from airflow_provider_datameer.emulator import EmulatorControlError
from tests.emulator.support import IMPORT, LONG

STATUS = f"/api/job-execution/{IMPORT}/status"


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_http_error_count(api, emu, code):
    emu.client.add_fault(kind="http_error", status=code, endpoint="status_v2", count=2)
    for _ in range(2):
        response = api.get(STATUS)
        assert (response.status_code, response.json()) == (code, {"error": "injected"})
    assert api.get(STATUS).status_code == 200
    assert emu.client.faults() == []  # spent
    assert [r["status"] for r in emu.client.requests()] == [code, code, 200]


def test_reset_drops_the_connection_without_a_response(api, emu):
    emu.client.add_fault(kind="reset", endpoint="status_v2", count=1)
    with pytest.raises(requests.ConnectionError):
        api.get(STATUS)
    assert api.get(STATUS).status_code == 200
    assert emu.client.requests()[0]["status"] == "reset"


def test_reset_at_socket_level_sends_no_bytes(emu):
    emu.client.add_fault(kind="reset", count=1)
    host, port = emu.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /rest/license-details HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n")
        try:
            data = sock.recv(1024)
        except ConnectionResetError:
            data = b""
    assert data == b""


def test_delay_then_normal_answer(api, emu):
    emu.client.add_fault(kind="delay", seconds=0.3, count=1)
    started = time.monotonic()
    response = api.get(STATUS)
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    assert time.monotonic() - started >= 0.3  # a lower bound only: cannot flake on a slow machine


def test_rate_limit_has_retry_after(api, emu):
    emu.client.add_fault(kind="rate_limit", retry_after=7, count=1)
    response = api.get(STATUS)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_html_login_page(api, emu):
    emu.client.add_fault(kind="html_login", endpoint="status_v2")
    response = api.get(STATUS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<form" in response.text
    assert api.get("/rest/license-details").headers["Content-Type"].startswith("application/json")


def test_malformed_json(api, emu):
    emu.client.add_fault(kind="malformed_json", count=1)
    response = api.get(STATUS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_per_endpoint_and_per_job(api, emu):
    emu.client.add_fault(kind="http_error", status=503, endpoint="status_v2", job=str(LONG))
    assert api.get(STATUS).status_code == 200
    assert api.get(f"/api/job-execution/{LONG}/status").status_code == 503
    assert api.get("/api/job-execution/%2FData%2FImportJobs%2Flong_import/status").status_code == 503
    assert api.post(f"/api/job-execution/{LONG}/trigger").status_code == 200


def test_job_by_uuid_matches_v1_and_file_id_requests(api, emu):
    emu.client.add_fault(kind="http_error", status=500, job="6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01")
    assert api.get(STATUS).status_code == 500
    assert api.get("/rest/job-configuration/job-status/41").status_code == 500
    assert api.get("/rest/job-configuration/job-status/55").status_code == 200


def test_first_matching_rule_wins_and_faults_apply_before_auth(emu):
    emu.client.add_fault(kind="rate_limit", endpoint="license")
    emu.client.add_fault(kind="http_error", status=500)
    response = requests.get(emu.url + "/rest/license-details", timeout=10)  # no credentials
    assert response.status_code == 429
    assert requests.get(emu.url + STATUS, timeout=10).status_code == 500
    emu.client.clear_faults()
    assert requests.get(emu.url + STATUS, timeout=10).status_code == 401


def test_probability_is_reproducible_with_a_seed(api, emu):
    def run() -> list[int]:
        emu.client.set_switches(seed=1234)
        emu.client.clear_faults()
        emu.client.add_fault(kind="http_error", status=500, probability=0.5)
        return [api.get(STATUS).status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(500) < 30


def test_remove_one_fault_and_listing(emu):
    keep = emu.client.add_fault(kind="delay", seconds=0.01)
    drop = emu.client.add_fault(kind="reset", endpoint="stop_v2", count=3)
    assert [f["id"] for f in emu.client.faults()] == [keep, drop]
    assert emu.client.state()["faults"][1]["count"] == 3
    emu.client.remove_fault(drop)
    assert [f["id"] for f in emu.client.faults()] == [keep]


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"kind": "explode"}, "fault.kind: 'explode' is not one of"),
        ({"kind": "reset", "endpoint": "nope"}, "fault.endpoint: 'nope'"),
        ({"kind": "reset", "probability": 2}, "fault.probability"),
        ({"kind": "reset", "count": 0}, "fault.count"),
        ({"kind": "http_error", "status": 99}, "fault.status"),
        ({"kind": "reset", "colour": "red"}, "fault.colour: unknown key"),
    ],
)
def test_bad_rules_are_rejected(emu, rule, fragment):
    with pytest.raises(EmulatorControlError) as info:
        emu.client.add_fault(**rule)
    assert info.value.status == 400
    assert fragment in info.value.message


def test_faults_from_the_constructor():
    from airflow_provider_datameer.emulator import EmulatorServer

    with EmulatorServer(faults=[{"kind": "http_error", "status": 502, "count": 1}]) as emu:
        session = requests.Session()
        session.auth = ("admin", "admin")
        assert session.get(emu.url + STATUS, timeout=10).status_code == 502
        assert session.get(emu.url + STATUS, timeout=10).status_code == 200
