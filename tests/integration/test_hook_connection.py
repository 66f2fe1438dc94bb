"""The Airflow connection as users write it: endpoint overrides, URI-form extras, host as a URL, base_path,
and the password kept out of every message, repr and log line (sync and async paths)."""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import logging
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
import structlog
from structlog.testing import capture_logs

from airflow_provider_datameer.core.errors import DatameerError, DatameerNotFoundError
from airflow_provider_datameer.emulator import EmulatorServer
from airflow_provider_datameer.hooks.datameer import DatameerHook
from tests.support import (
    BOTH_PATHS,
    IMPORT,
    LONG,
    connection_json,
    execution,
    finished_run,
    logged,
    requires_airflow,
    running_run,
)

pytestmark = pytest.mark.usefixtures("close_sessions")


# ---------------------------------------------------------------------------------------------- endpoints
@BOTH_PATHS
async def test_an_overridden_endpoint_is_used(emulator, datameer_conn, via):
    datameer_conn(endpoints={"status_v2": "/api/job-execution/{job}/status?via=override"})
    execution_id = finished_run(emulator, IMPORT)

    assert (await via(DatameerHook(), "get_job_status", IMPORT)).execution_id == execution_id
    assert [r["path"] for r in logged(emulator, "status_v2")] == ["/api/job-execution/48/status?via=override"]


@BOTH_PATHS
async def test_a_wrong_override_fails_naming_the_overridden_path(emulator, datameer_conn, via):
    datameer_conn(endpoints={"stop_v2": {"path": "/api/job-execution/{job}/halt", "method": "POST"}})
    execution_id = running_run(emulator)

    with pytest.raises(DatameerNotFoundError) as caught:
        await via(DatameerHook(), "stop_job", LONG)

    assert "POST /api/job-execution/63/halt" in str(caught.value)
    assert caught.value.http_status == 404
    assert [(r["method"], r["path"]) for r in logged(emulator)] == [("POST", "/api/job-execution/63/halt")]
    assert execution(emulator, execution_id)["status"] == "RUNNING"


@BOTH_PATHS
@pytest.mark.parametrize(
    ("endpoints", "fragment"),
    [
        pytest.param({"stop_v2": "/api/job-execution/stop"}, "'stop_v2': path must contain {job}", id="no-placeholder"),
        pytest.param({"stop_v2": "api/{job}/stop"}, "'stop_v2': path 'api/{job}/stop' must start with '/'", id="rel"),
        pytest.param({"status_v1": "/rest/{job}"}, "'status_v1': unknown placeholder(s) job", id="placeholder"),
        pytest.param({"stop_v2": {"path": "/x/{job}", "method": "FETCH"}}, "'stop_v2': method 'FETCH'", id="method"),
        pytest.param({"halt": "/x"}, "unknown command 'halt'", id="command"),
        pytest.param("{not json", "'endpoints' is not valid JSON", id="json"),
    ],
)
async def test_a_bad_override_is_a_value_error_naming_the_command(emulator, datameer_conn, via, endpoints, fragment):
    datameer_conn(endpoints=endpoints)

    with pytest.raises(ValueError, match="Datameer connection 'datameer_default'") as caught:
        await via(DatameerHook(), "stop_job", IMPORT)

    assert fragment in str(caught.value)
    assert logged(emulator) == []


# ---------------------------------------------------------------------------------------------- forms
def _uri(url: str, query: str) -> str:
    host_port = url.split("://", 1)[1]
    return f"datameer://admin:admin@{host_port}?{query}"


@BOTH_PATHS
async def test_uri_connection_with_string_extras(emulator, monkeypatch, via):
    """``airflow connections add --conn-uri`` gives every extra as a string."""
    retries = quote('{"attempts": "2", "backoff": "0.05"}')
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAMEER_DEFAULT", _uri(emulator.url, f"verify=false&timeout=30&retries={retries}")
    )
    emulator.client.add_fault(endpoint="status_v2", kind="http_error", status=503, count=5)
    hook = DatameerHook()

    with pytest.raises(DatameerError, match="gave up after 2 attempts"):
        await via(hook, "get_job_status", IMPORT)

    config = hook.config
    assert (config.verify, config.timeout, config.retry.attempts, config.base_url) == (False, 30.0, 2, emulator.url)
    assert len(logged(emulator, "status_v2")) == 2


@BOTH_PATHS
@pytest.mark.parametrize(
    ("host_suffix", "extra", "prefix"),
    [
        pytest.param("", {}, "", id="host-is-url"),
        pytest.param("/", {}, "", id="host-is-url-with-slash"),
        pytest.param("/dm/", {}, "/dm", id="url-path"),
        pytest.param("", {"base_path": "/datameer"}, "/datameer", id="base-path"),
        pytest.param("/dm", {"base_path": "api-gw/"}, "/dm/api-gw", id="url-path-and-base-path"),
    ],
)
async def test_host_as_a_full_url_and_base_path(emulator, monkeypatch, via, host_suffix, extra, prefix):
    conn = json.loads(connection_json(emulator.url, **extra))
    conn.update(host=emulator.url + host_suffix, port=None, schema=None)
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", json.dumps(conn))
    hook = DatameerHook()

    if prefix:  # the emulator serves at its root only: a prefixed path is an unknown URL there
        with pytest.raises(DatameerNotFoundError):
            await via(hook, "get_job_status", IMPORT)
    else:
        await via(hook, "get_job_status", IMPORT)
    assert hook.config.base_url == emulator.url + prefix
    assert [r["path"] for r in logged(emulator)] == [f"{prefix}/api/job-execution/48/status"]


# ---------------------------------------------------------------------------------------------- secrets
SECRET = "Zebra-Quokka-7731-secret"
WRONG = "Wombat-Narwhal-4419-wrong"


def _forms(login: str, password: str) -> set[str]:
    return {password, base64.b64encode(f"{login}:{password}".encode()).decode(), quote(password)}


def _render(event: dict) -> str:
    return str(event.get("event", "")) % tuple(event.get("positional_args", ()))


@pytest.fixture
def log_lines(caplog) -> Iterator[Callable[[], list[str]]]:
    """Every log line so far at DEBUG: stdlib loggers (urllib3, aiohttp, tenacity) and the hook's structlog
    logger (which Airflow filters at INFO and renders itself, out of caplog's reach)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="airflow.task")  # Airflow 2 sets that logger to INFO
    saved = structlog.get_config()
    try:
        with capture_logs() as captured:
            structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
            yield lambda: [
                *(_render(e) for e in captured),
                *(repr(e) for e in captured),
                *(r.getMessage() for r in caplog.records),
            ]
    finally:
        structlog.configure(**saved)


@BOTH_PATHS
async def test_the_password_is_in_no_message_repr_or_log_line(monkeypatch, via, log_lines):
    with EmulatorServer(port=0, users={"svc": SECRET}) as server:
        server.client.add_fault(endpoint="status_v2", kind="http_error", status=500, count=1)
        texts = []
        for password, conn_id in ((SECRET, "datameer_ok"), (WRONG, "datameer_wrong")):
            monkeypatch.setenv(
                f"AIRFLOW_CONN_{conn_id.upper()}", connection_json(server.url, login="svc", password=password)
            )
            hook = DatameerHook(conn_id)
            try:
                await via(hook, "get_job_status", IMPORT)  # ok: after one retried 500; wrong: refused
            except DatameerError as exc:
                texts += [str(exc), repr(exc), repr(exc.args), str(exc.__context__), str(exc.__cause__)]
            texts += [repr(hook.config), str(hook.config), str(hook.test_connection())]
        polls = [r for r in server.client.requests("status_v2") if "2147483647" not in r["path"]]  # not probes
        assert [r["status"] for r in polls] == [500, 200, 401]

    lines = log_lines()
    assert "Datameer status_v2: GET /api/job-execution/48/status" in lines  # the hook's own DEBUG line
    assert any("retrying in" in line for line in lines)  # its retry warning
    assert any('"GET /rest/license-details HTTP/1.1" 401' in line for line in lines)  # urllib3, via stdlib
    assert any("401" in text and "credentials were refused" in text for text in texts)
    for secret in _forms("svc", SECRET) | _forms("svc", WRONG):
        assert not [text for text in texts + lines if secret in text], secret


# ---------------------------------------------------------------------------------------------- host forms
@BOTH_PATHS
@pytest.mark.parametrize("form", ["host:port", "host/-and-port-field", "[host]:port"])
async def test_a_bare_host_may_carry_its_port_and_path(emulator, monkeypatch, via, form):
    """Issue #12 item 7: ``127.0.0.1:18080`` and ``127.0.0.1/`` + port reach that port (not 8080 / 80)."""
    conn = json.loads(connection_json(emulator.url))
    host, port = conn["host"], conn["port"]
    fields = {
        "host:port": {"host": f"{host}:{port}", "port": None},
        "host/-and-port-field": {"host": f"{host}/", "port": port},
        "[host]:port": {"host": f"[::ffff:{host}]:{port}", "port": None},
    }[form]
    conn.update(fields, schema=None)
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", json.dumps(conn))
    finished_run(emulator, IMPORT)

    status = await via(DatameerHook(), "get_job_status", IMPORT)

    assert status.file_id == IMPORT
    assert [r["path"] for r in logged(emulator, "status_v2")] == ["/api/job-execution/48/status"]


@BOTH_PATHS
@requires_airflow("!=3.1.*", "Airflow 3.1 itself fails on such an env connection outside a task (ImportError)")
async def test_an_extra_that_is_not_json_is_an_error_not_a_default_connection(emulator, monkeypatch, via):
    """Airflow reads a non-JSON extra as {} and only logs it; the hook refuses it, and so does the Test button."""
    conn = json.loads(connection_json(emulator.url))
    conn["extra"] = '{"timeout": 5, verify: false}'
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", json.dumps(conn))

    with pytest.raises(ValueError, match="Datameer connection 'datameer_default': extra is not valid JSON"):
        await via(DatameerHook(), "get_job_status", IMPORT)
    ok, message = DatameerHook().test_connection()

    assert not ok
    assert "extra is not valid JSON" in message
    assert "Connected" not in message
    assert logged(emulator) == []


# ---------------------------------------------------------------------------------------------- sharing
def test_threads_sharing_a_hook_make_one_lookup_and_one_session(datameer_conn, emulator, mocker):
    """Issue #12 item 9: 200 threads on one hook made 200 lookups and 200 requests.Sessions (199 unclosed)."""
    import threading

    import requests
    from airflow.providers.common.compat.sdk import BaseHook

    finished_run(emulator, IMPORT)
    # Airflow's connection lookup and the sessions requests opens, counted (both still do their real work)
    lookups = mocker.spy(BaseHook, "get_connection").call_args_list
    sessions = mocker.spy(requests.Session, "__init__").call_args_list
    hook, start, results = DatameerHook(), threading.Barrier(200), []

    def poll() -> None:
        start.wait()
        results.append(hook.get_job_status(IMPORT).file_id)

    threads = [threading.Thread(target=poll) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results == [IMPORT] * 200
    assert (len(lookups), len(sessions)) == (1, 1)
    assert len(logged(emulator, "status_v2")) == 200
    with hook:
        pass  # the context manager closes the session; the hook stays usable
    assert hook.get_job_status(IMPORT).file_id == IMPORT
    hook.close()
    assert len(sessions) == 2


def _unclosed(caplog) -> list[str]:
    gc.collect()
    return [r.getMessage() for r in caplog.records if "Unclosed" in r.getMessage()]


_OUTSIDE_A_TRIGGER = """
import asyncio
from airflow_provider_datameer.hooks.datameer import DatameerHook

hook = DatameerHook()
print("file", asyncio.run(hook.aget_job_status(48)).file_id)
print("file", asyncio.run(hook.aget_job_status(48)).file_id)  # the same hook on a second event loop
"""


def test_the_async_hook_outside_a_trigger_leaves_no_session_open(datameer_conn, emulator):
    """Issue #12 item 9: ``asyncio.run(hook.aget_job_status(48))`` warned "Unclosed client session" and
    "Unclosed connector" when the interpreter ended: run exactly that in a fresh interpreter."""
    import os
    import subprocess
    import sys

    finished_run(emulator, IMPORT)
    done = subprocess.run(
        [sys.executable, "-c", _OUTSIDE_A_TRIGGER],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )

    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("file ")] == ["file 48", "file 48"]
    assert "Unclosed" not in done.stdout + done.stderr
    assert len(logged(emulator, "status_v2")) == 2


def test_async_with_the_hook_shares_one_session_and_closes_it(datameer_conn, emulator, caplog):
    from airflow_provider_datameer.hooks import transport

    finished_run(emulator, IMPORT)

    async def block() -> list[object]:
        async with DatameerHook() as hook:
            await hook.aget_job_status(IMPORT)
            shared = transport.shared_session()
            await hook.aget_job_status(IMPORT)
            assert transport.shared_session() is shared
        return [shared.closed, transport._sessions.get(asyncio.get_running_loop())]

    assert asyncio.run(block()) == [True, None]
    assert _unclosed(caplog) == []


@BOTH_PATHS
async def test_a_ca_bundle_gone_after_the_connection_was_read_is_a_settings_error(monkeypatch, tmp_path, via):
    """The connection checks that 'verify' exists when read; if the file vanishes later, both transports
    still raise our error naming the path (requests raised a bare OSError, aiohttp FileNotFoundError)."""
    import shutil

    import certifi

    from airflow_provider_datameer.core.errors import DatameerConnectionSettingsError
    from tests.integration.support import closed_port

    bundle = tmp_path / "corp-ca.pem"
    shutil.copy(certifi.where(), bundle)
    conn = json.loads(connection_json(f"https://127.0.0.1:{closed_port()}", verify=str(bundle)))
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", json.dumps(conn))
    hook = DatameerHook()
    assert hook.config.verify == str(bundle)
    bundle.unlink()

    with pytest.raises(DatameerConnectionSettingsError, match=r"corp-ca\.pem"):
        await via(hook, "get_job_status", IMPORT)
