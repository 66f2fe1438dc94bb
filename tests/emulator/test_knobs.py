"""Every knob (switch) and every job field that changes behaviour, set through the control API."""

from __future__ import annotations

import re

import pytest

from airflow_provider_datameer.emulator import DEFAULT_SWITCHES, EmulatorControlError, EmulatorServer
from tests.emulator.support import IMPORT, LONG, QUEUE, WARN, Api


def test_defaults_are_reported(emu):
    assert emu.client.switches() == DEFAULT_SWITCHES
    assert emu.client.state()["switches"] == DEFAULT_SWITCHES


@pytest.mark.parametrize("code", [200, 400, 403, 404])
def test_failure_http_code(api, emu, code):
    emu.client.set_switches(failure_http_code=code)
    response = api.get("/api/job-execution/4242/status")
    assert response.status_code == code
    assert response.json()["status"] == "failure"


def test_v1_not_found_empty200(api, emu):
    emu.client.set_switches(v1_not_found="empty200")
    assert (
        api.get("/rest/job-configuration/job-status/999").status_code,
        api.get("/rest/job-configuration/job-status/999").json(),
    ) == (200, {})
    assert api.get("/rest/job-configuration/job-history/999?start=0&length=1").json() == []


def test_v1_warnings_spelling_upper(api, emu, wait):
    emu.client.set_switches(v1_warnings_spelling="upper")
    exec_id = api.trigger(WARN)
    body = wait(
        lambda: api.get("/rest/job-configuration/job-status/52").json(),
        lambda b: b["jobStatus"].startswith("COMPLETED"),
    )
    assert body == {"id": exec_id, "jobStatus": "COMPLETED_WITH_WARNINGS"}
    assert api.details(exec_id)["jobStatus"] == "COMPLETED_WITH_WARNINGS"


@pytest.mark.parametrize(
    ("style", "pattern"),
    [
        ("java8", r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$"),
        ("jdk9", r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$"),
        ("jdk20", r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\u202f[AP]M$"),
    ],
)
def test_date_format(api, emu, wait, style, pattern):
    emu.client.set_switches(date_format=style)
    api.trigger(LONG)
    body = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    assert re.match(pattern, body["start-time"]), body["start-time"]
    assert re.match(pattern, api.get("/rest/license-details").json()["LicenseStartDate"])


def test_details_date_format_medium(api, emu):
    emu.client.set_switches(details_date_format="medium")
    exec_id = api.trigger(IMPORT)
    emu.client.patch_execution(exec_id, finish="COMPLETED")
    body = api.details(exec_id)
    assert re.match(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$", body["stopTime"])


def test_api_v2_off_makes_every_api_path_404(api, emu):
    emu.client.set_switches(api_v2=False)
    for method, suffix in (("GET", "status"), ("POST", "trigger"), ("POST", "stop"), ("POST", "sequential-trigger")):
        assert api.request(method, f"/api/job-execution/{IMPORT}/{suffix}").status_code == 404
    assert api.get("/rest/job-configuration/job-status/41").status_code == 200


def test_product_version_and_realm(api, emu):
    emu.client.set_switches(product_version="7.2.4", realm="Corp")
    assert api.get("/rest/license-details").json()["ProductVersion"] == "7.2.4"
    assert Api(emu.url, auth=None).get("/rest/license-details").headers["WWW-Authenticate"] == 'Basic realm="Corp"'


@pytest.mark.parametrize(
    ("knobs", "fragment"),
    [
        ({"date_format": "iso"}, "date_format: 'iso' is not one of java8, jdk9, jdk20"),
        ({"failure_http_code": 500}, "failure_http_code: 500 is not one of 404, 200, 400, 403"),
        ({"api_v2": "maybe"}, "api_v2: 'maybe' is not one of true, false"),
        ({"no_such_knob": 1}, "unknown switch 'no_such_knob'"),
        ({"seed": "x"}, "seed: 'x' is not an integer"),
    ],
)
def test_bad_knobs_are_rejected_with_400(emu, knobs, fragment):
    with pytest.raises(EmulatorControlError) as info:
        emu.client.set_switches(**knobs)
    assert info.value.status == 400
    assert fragment in info.value.message
    assert emu.client.switches() == DEFAULT_SWITCHES


def test_string_spellings_are_coerced(emu):
    switches = emu.client.set_switches(api_v2="false", failure_http_code="200", seed="7")
    assert (switches["api_v2"], switches["failure_http_code"], switches["seed"]) == (False, 200, 7)


def test_constructor_switches_and_reset(api, emu):
    with EmulatorServer(jobs=[], switches={"product_version": "10.1.2"}) as other:
        other.client.set_switches(product_version="9.0")
        other.client.reset()
        assert other.client.switches()["product_version"] == "10.1.2"
    with pytest.raises(ValueError, match="date_format"):
        EmulatorServer(switches={"date_format": "nope"})


# ---- job fields -------------------------------------------------------------------------------------


def test_estimate_none_omits_estimate_time(api, emu, wait):
    emu.client.patch_job(LONG, estimate="none")
    api.trigger(LONG)
    body = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    assert "estimate-time" not in body
    assert isinstance(body["job-progress"], str)


def test_estimate_bogus(api, emu, wait):
    emu.client.patch_job(LONG, estimate="bogus")
    api.trigger(LONG)
    body = wait(lambda: api.status(LONG), lambda b: b["job-status"] == "RUNNING")
    assert body["estimate-time"] in ("-5s", "abc", "99999999999s", "")


def test_visibility_delay_shows_the_previous_run(api, emu, wait):
    first = api.trigger(IMPORT)
    emu.client.patch_execution(first, finish="COMPLETED")
    emu.client.patch_job(IMPORT, visibility_delay=1.0)
    second = api.trigger(IMPORT)
    assert api.status(IMPORT)["job-execution-id"] == first
    assert api.get("/rest/job-configuration/job-status/41").json()["id"] == first
    assert wait(lambda: api.status(IMPORT), lambda b: b["job-execution-id"] == second)["job-execution-id"] == second


def test_visibility_delay_before_first_run_shows_none(api, emu):
    emu.client.patch_job(QUEUE, visibility_delay=30)
    api.trigger(QUEUE)
    assert api.status(QUEUE) == {"status": "success", "job-status": "_NONE"}
    assert api.get("/rest/job-configuration/job-status/56").json() == {}


def test_patched_durations_apply_to_later_runs(api, emu, wait):
    emu.client.patch_job(QUEUE, queue_seconds=0, run_seconds=0, outcome="ERROR")
    api.trigger(QUEUE)
    assert wait(lambda: api.status(QUEUE), lambda b: b["job-status"] == "ERROR")
