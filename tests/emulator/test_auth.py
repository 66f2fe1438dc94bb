"""Basic auth, the 403 knob, per-job allowed_users, and the /browser session cookie."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_datameer.emulator import EmulatorServer
from tests.emulator.support import IMPORT, PRIVATE, Api

ENDPOINTS = [
    ("GET", "/api/job-execution/48/status"),
    ("POST", "/api/job-execution/48/trigger"),
    ("GET", "/rest/job-configuration/job-status/41"),
    ("GET", "/rest/jobs/list-running"),
    ("GET", "/rest/license-details"),
    ("GET", "/browser"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("auth", [None, ("admin", "wrong"), ("nobody", "admin")])
def test_bad_or_missing_credentials_get_401(emu, method, path, auth):
    response = Api(emu.url, auth=auth).request(method, path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Datameer"'
    assert response.json() == {"error": "Unauthorized"}


def test_malformed_authorization_headers(emu):
    for header in ("Bearer abc", "Basic !!!", "Basic " + "w6k=", "Basic"):
        response = requests.get(emu.url + "/rest/license-details", headers={"Authorization": header}, timeout=10)
        assert response.status_code == 401, header


def test_auth_failure_code_403(api, emu):
    emu.client.set_switches(auth_failure_code=403)
    response = Api(emu.url, auth=None).get("/rest/license-details")
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers
    assert "error" in response.json()


def test_control_api_needs_no_auth(emu):
    assert requests.get(emu.url + "/_emulator/health", timeout=10).json() == {"ok": True}


def test_allowed_users(emu, wait):
    admin, analyst = Api(emu.url), Api(emu.url, auth=("analyst", "analyst"))
    denied = admin.get(f"/api/job-execution/{PRIVATE}/status")
    assert denied.status_code == 404
    assert denied.json() == {
        "status": "failure",
        "reason": "File doesn't exist or isn't accessible with current permissions",
    }
    assert admin.post(f"/api/job-execution/{PRIVATE}/trigger").status_code == 404
    assert admin.get("/rest/job-configuration/job-status/58").status_code == 404
    exec_id = analyst.trigger(PRIVATE)
    body = analyst.post(f"/api/job-execution/{PRIVATE}/trigger").json()
    assert body["job-execution-user"] == "analyst"
    assert admin.get(f"/rest/job-execution/job-details/{exec_id}").status_code == 404
    assert analyst.details(exec_id)["jobStatus"] in ("QUEUED", "RUNNING", "COMPLETED")
    assert all(e["jobConfigurationId"] != 58 for e in admin.get("/rest/jobs/list-running").json())
    assert emu.client.requests(endpoint="trigger_v2")[-1]["user"] == "analyst"


def test_trigger_user_is_the_caller(emu):
    analyst = Api(emu.url, auth=("analyst", "analyst"))
    body = analyst.post(f"/api/job-execution/{IMPORT}/trigger").json()
    assert body["job-execution-user"] == "analyst"


def test_browser_cookie_replaces_basic_auth(emu):
    login = requests.Session()
    response = login.get(emu.url + "/browser", auth=("analyst", "analyst"), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    cookie = login.cookies.get("JSESSIONID")
    assert cookie
    reuse = requests.get(emu.url + "/rest/license-details", cookies={"JSESSIONID": cookie}, timeout=10)
    assert reuse.status_code == 200
    trigger = requests.post(
        emu.url + f"/api/job-execution/{IMPORT}/trigger", cookies={"JSESSIONID": cookie}, timeout=10
    )
    assert trigger.json()["job-execution-user"] == "analyst"
    bogus = requests.get(emu.url + "/rest/license-details", cookies={"JSESSIONID": "nope"}, timeout=10)
    assert bogus.status_code == 401
    emu.client.reset()  # sessions are forgotten
    assert (
        requests.get(emu.url + "/rest/license-details", cookies={"JSESSIONID": cookie}, timeout=10).status_code == 401
    )


def test_custom_users_replace_the_defaults():
    with EmulatorServer(jobs=[], users={"ops": "s3cret"}) as emu:
        assert emu.users == {"ops": "s3cret"}
        assert Api(emu.url, auth=("ops", "s3cret")).get("/rest/license-details").status_code == 200
        assert Api(emu.url).get("/rest/license-details").status_code == 401
