"""Every DatameerError subclass, provoked for real through the emulator, on both paths.

Each case also counts the requests the emulator saw: what must not be retried is sent exactly once,
what is retried is sent exactly ``attempts`` times (``datameer_conn`` sets 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import certifi
import pytest

from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerError,
    DatameerNotFoundError,
    DatameerRejectedError,
    DatameerTLSError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.emulator import EmulatorServer
from airflow_provider_datameer.emulator.tls import make_self_signed_cert, server_ssl_context
from airflow_provider_datameer.hooks.datameer import DatameerHook
from tests.integration.support import UNKNOWN_FILE, closed_port
from tests.support import BOTH_PATHS, IMPORT, LONG, connection_json, logged, running_run

pytestmark = pytest.mark.usefixtures("close_sessions")


def _wrong_password(emulator: Any, conn: Any) -> None:
    conn(password="not-the-password")


def _closed_port(emulator: Any, conn: Any) -> None:
    conn.at(f"http://127.0.0.1:{closed_port()}")


@dataclass(frozen=True)
class Case:
    """One way a call fails: how to set it up, what to call, what must come out and how many requests."""

    id: str
    error: type[DatameerError]
    fragments: tuple[str, ...]
    requests: int
    setup: Callable[[Any, Any], None] = lambda emulator, conn: None
    command: str = "get_job_status"
    job_id: int = IMPORT


CASES = [
    Case("auth-401", DatameerAuthError, ("credentials were refused", "HTTP 401"), 1, _wrong_password),
    Case(
        "auth-403",
        DatameerAuthError,
        ("credentials were refused", "HTTP 403", "login and password"),
        1,
        lambda emulator, conn: (emulator.client.set_switches(auth_failure_code=403), _wrong_password(emulator, conn)),
    ),
    Case(
        "not-found",
        DatameerNotFoundError,
        ("HTTP 404", "Datameer says: File doesn't exist or isn't accessible with current permissions"),
        1,
        job_id=UNKNOWN_FILE,
    ),
    Case(
        "rejected",
        DatameerRejectedError,
        ("HTTP 409", "Datameer says: Job is already running"),
        1,
        lambda emulator, conn: (emulator.client.set_switches(trigger_while_running="fail"), running_run(emulator)),
        command="trigger_job",
        job_id=LONG,
    ),
    Case(
        "html-login",
        DatameerUnexpectedResponseError,
        ("single-sign-on/login", "<!DOCTYPE html>"),
        1,
        lambda emulator, conn: emulator.client.add_fault(kind="html_login"),
    ),
    Case(
        "malformed-json",
        DatameerUnexpectedResponseError,
        ("not valid JSON", '{"status": "success", "job-status": "RUNN'),
        1,
        lambda emulator, conn: emulator.client.add_fault(kind="malformed_json"),
    ),
    Case(
        "5xx-exhausted",
        DatameerTransientError,
        ("HTTP 500", "gave up after 3 attempts"),
        3,
        lambda emulator, conn: emulator.client.add_fault(kind="http_error", status=500, count=5),
    ),
    Case("refused", DatameerTransientError, ("could not connect", "gave up after 3 attempts"), 0, _closed_port),
]


class Conn:
    """``datameer_conn`` plus a way to point the connection at another URL."""

    def __init__(self, configure: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self._configure, self._monkeypatch = configure, monkeypatch

    def __call__(self, **kwargs: Any) -> None:
        self._configure(**kwargs)

    def at(self, url: str, **kwargs: Any) -> None:
        self._monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(url, **kwargs))


@pytest.fixture
def conn(datameer_conn, monkeypatch):
    return Conn(datameer_conn, monkeypatch)


@BOTH_PATHS
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_each_error_class(emulator, conn, via, case):
    case.setup(emulator, conn)
    emulator.client.clear_requests()

    with pytest.raises(case.error) as caught:
        await via(DatameerHook(), case.command, case.job_id)

    message = str(caught.value)
    for fragment in case.fragments:
        assert fragment in message
    assert len(logged(emulator)) == case.requests


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        pytest.param(CASES[0], "the credentials were refused; HTTP 401", id="wrong-password"),
        pytest.param(CASES[-1], "could not connect to Datameer", id="unreachable-port"),
    ],
)
def test_test_connection_says_why_it_failed(emulator, conn, case, fragment):
    case.setup(emulator, conn)

    ok, message = DatameerHook().test_connection()

    assert not ok
    assert fragment in message
    assert "license" in message


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory):
    cert, key = make_self_signed_cert(tmp_path_factory.mktemp("tls"))
    with EmulatorServer(port=0, ssl_context=server_ssl_context(cert, key)) as server:
        yield server, cert


@BOTH_PATHS
async def test_untrusted_certificate_is_a_tls_error_not_retried(tls_emulator, conn, via):
    server, _ = tls_emulator
    conn.at(server.url)

    with pytest.raises(DatameerTLSError) as caught:
        await via(DatameerHook(), "get_job_status", IMPORT)

    assert "'verify'" in str(caught.value)
    assert caught.value.attempts == 1
    assert "gave up" not in str(caught.value)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@BOTH_PATHS
@pytest.mark.parametrize("ca_env", [False, True], ids=["no-ca-env", "REQUESTS_CA_BUNDLE"])
@pytest.mark.parametrize("trust", ["ca-bundle", "false"])
async def test_verify_setting_is_honoured(tls_emulator, conn, via, monkeypatch, ca_env, trust):
    """``verify`` (a CA bundle path, or "false" as a URI-form string) wins over the process's CA variables."""
    server, cert = tls_emulator
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    if ca_env:  # common on corporate machines; points at public CAs only
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # requests would let it override Session.verify
    conn.at(server.url, verify=str(cert) if trust == "ca-bundle" else "false")

    assert (await via(DatameerHook(), "get_job_status", IMPORT)).status.value == "_NONE"
