"""The `routes` switch (commands moved to another path/method) and 405 with an Allow header."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from airflow_provider_datameer.core.endpoints import DEFAULT_ENDPOINTS
from airflow_provider_datameer.emulator import DEFAULT_SWITCHES, EmulatorControlError, EmulatorProcess, EmulatorServer
from airflow_provider_datameer.emulator.routing import DEFAULT_ROUTES
from tests.emulator.support import IMPORT, JOBS, LONG, Api

MOVED = {
    "trigger_v2": {"path": "/api/v2/job/{job}/start", "method": "PUT"},
    "stop_v2": "/api/x/{job}/halt",
    "trigger_sequential": {"path": "/api/v2/job/{job}/enqueue", "method": "post"},
}


def test_wrong_method_on_a_default_route_is_405_with_allow(api):
    for method, path, allow in (
        ("GET", f"/api/job-execution/{IMPORT}/trigger", "POST"),
        ("GET", f"/api/job-execution/{IMPORT}/stop", "POST"),
        ("GET", f"/api/job-execution/{IMPORT}/sequential-trigger", "POST"),
        ("POST", f"/api/job-execution/{IMPORT}/status", "GET"),
        ("GET", "/rest/job-execution?configuration=41", "POST"),
    ):
        response = api.request(method, path)
        assert (response.status_code, response.headers.get("Allow")) == (405, allow), path
    assert api.get(f"/api/job-execution/{IMPORT}/launch").status_code == 404


def test_moved_routes_answer_at_their_new_place_only(api, emu):
    emu.client.set_switches(routes=MOVED)
    assert api.post(f"/api/job-execution/{IMPORT}/trigger").status_code == 404
    assert api.post(f"/api/job-execution/{IMPORT}/stop").status_code == 404
    assert api.post(f"/api/job-execution/{IMPORT}/sequential-trigger").status_code == 404
    started = api.request("PUT", f"/api/v2/job/{IMPORT}/start")
    assert started.status_code == 200, started.text
    exec_id = started.json()["job-execution-id"]
    queued = api.post(f"/api/v2/job/{IMPORT}/enqueue").json()["job-execution-id"]
    assert queued > exec_id
    assert api.post(f"/api/x/{IMPORT}/halt").status_code == 200
    assert api.status(IMPORT)["job-status"] == "CANCELED"
    assert [r["endpoint"] for r in emu.client.requests() if r["status"] == 200] == [
        "trigger_v2",
        "trigger_sequential",
        "stop_v2",
        "status_v2",
    ]


def test_new_path_with_the_wrong_method_is_405(api, emu):
    emu.client.set_switches(routes=MOVED)
    response = api.post(f"/api/v2/job/{IMPORT}/start")
    assert (response.status_code, response.headers["Allow"]) == (405, "PUT")


def test_method_only_move_leaves_a_405_at_the_old_place(api, emu):
    emu.client.set_switches(routes={"trigger_v2": {"path": "/api/job-execution/{job}/trigger", "method": "PUT"}})
    response = api.post(f"/api/job-execution/{IMPORT}/trigger")
    assert (response.status_code, response.headers["Allow"]) == (405, "PUT")
    assert api.request("PUT", f"/api/job-execution/{IMPORT}/trigger").status_code == 200


def test_allow_lists_every_method_of_a_shared_path(api, emu):
    emu.client.set_switches(routes={"trigger_v2": "/api/job-execution/{job}/status"})
    assert api.post(f"/api/job-execution/{IMPORT}/status").json()["status"] == "success"
    assert api.status(IMPORT)["job-status"] in ("QUEUED", "RUNNING")
    response = api.request("DELETE", f"/api/job-execution/{IMPORT}/status")
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, POST")


def test_v1_commands_move_with_their_query_parameters(api, emu):
    emu.client.set_switches(
        routes={
            "trigger_v1": "/rest/run?config={configuration_id}",
            "job_history": "/rest/runs/{configuration_id}?from={start}&count={length}",
            "stop_v1": {"path": "/rest/kill/{execution_id}", "method": "DELETE"},
        }
    )
    assert api.post("/rest/job-execution?configuration=55").status_code == 404
    first = api.post("/rest/run?config=55").json()["id"]
    second = api.post("/rest/run/?config=55").json()["id"]
    page = api.get("/rest/runs/55?from=1&count=1").json()
    assert [entry["id"] for entry in page] == [first]
    assert api.get("/rest/job-configuration/job-history/55").status_code == 404
    assert api.request("DELETE", f"/rest/kill/{second}").status_code == 200
    assert api.post(f"/rest/job-execution/job-kill/{first}").status_code == 404


def test_routes_from_the_constructor_and_reset(emu):
    with EmulatorServer(jobs=JOBS, switches={"routes": MOVED}) as other:
        api = Api(other.url)
        assert api.request("PUT", f"/api/v2/job/{IMPORT}/start").status_code == 200
        other.client.set_switches(routes={})
        assert api.post(f"/api/job-execution/{IMPORT}/trigger").status_code == 200
        other.client.reset()
        assert other.client.switches()["routes"] == {
            "trigger_v2": {"path": "/api/v2/job/{job}/start", "method": "PUT"},
            "stop_v2": {"path": "/api/x/{job}/halt", "method": "POST"},
            "trigger_sequential": {"path": "/api/v2/job/{job}/enqueue", "method": "POST"},
        }
        assert api.post(f"/api/job-execution/{IMPORT}/trigger").status_code == 404


def test_routes_on_the_command_line():
    routes = json.dumps({"trigger_v2": {"path": "/api/v2/job/{job}/start", "method": "PUT"}})
    with EmulatorProcess(extra_args=["--switch", f"routes={routes}"]) as proc:
        api = Api(proc.url)
        assert api.request("PUT", f"/api/v2/job/{IMPORT}/start").json()["status"] == "success"
        assert api.post(f"/api/job-execution/{IMPORT}/trigger").status_code == 404
        assert api.post(f"/api/job-execution/{LONG}/stop").status_code == 200


BAD_ROUTES = [
    ({"launch": "/x/{job}"}, "routes: unknown command 'launch'; known commands: status_v2"),
    ({"trigger_v2": "/x/{job"}, "routes.trigger_v2.path: bad template '/x/{job'"),
    ({"trigger_v2": "/x/{file}"}, "routes.trigger_v2.path: unknown placeholder {file}"),
    ({"trigger_v2": "/x/start"}, "routes.trigger_v2.path: '/x/start' must contain {job} exactly once"),
    ({"stop_v1": "/kill/{job}"}, "unknown placeholder {job} in '/kill/{job}'; allowed for stop_v1: {execution_id}"),
    ({"trigger_v2": "x/{job}"}, "routes.trigger_v2.path: 'x/{job}' must start with '/'"),
    ({"trigger_v2": {"path": "/x/{job}", "method": "FETCH"}}, "routes.trigger_v2.method: 'FETCH' is not one of"),
    ({"trigger_v2": {"path": "/x/{job}", "verb": "PUT"}}, "routes.trigger_v2: unknown key 'verb'"),
    ({"trigger_v2": {"method": "PUT"}}, "routes.trigger_v2: expected a path string or an object with 'path'"),
    ({"trigger_v2": "/_emulator/{job}"}, "is reserved by the emulator"),
    ({"trigger_v2": {"path": "/api/job-execution/{job}/status", "method": "GET"}}, "would both answer GET"),
    (["trigger_v2"], "routes: expected a JSON object"),
]


@pytest.mark.parametrize(("routes", "fragment"), BAD_ROUTES)
def test_bad_routes_are_rejected_naming_the_switch(emu, routes, fragment):
    with pytest.raises(EmulatorControlError) as info:
        emu.client.set_switches(routes=routes)
    assert info.value.status == 400
    assert fragment in info.value.message
    assert emu.client.switches() == DEFAULT_SWITCHES


def test_bad_routes_in_the_constructor():
    with pytest.raises(ValueError, match=r"routes\.trigger_v2\.path: unknown placeholder"):
        EmulatorServer(switches={"routes": {"trigger_v2": "/x/{file}"}})


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{not json", "--switch routes: invalid JSON"),
        ('{"stop_v2": "/halt"}', "--switch routes.stop_v2.path: '/halt' must contain {job} exactly once"),
    ],
)
def test_bad_routes_on_the_command_line(value, fragment):
    cli = [sys.executable, "-m", "airflow_provider_datameer.emulator", "--port", "0"]
    result = subprocess.run([*cli, "--switch", f"routes={value}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_default_routes_are_the_providers_endpoint_templates():
    """The switch speaks the provider's template language; both tables must start from the same place."""
    provider = {command: (e.method, e.path) for command, e in DEFAULT_ENDPOINTS.items()}
    assert provider == {command: route for command, route in DEFAULT_ROUTES.items() if command != "browser"}
