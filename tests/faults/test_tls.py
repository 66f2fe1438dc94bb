"""F16: TLS certificate verification is on by default, for the worker (requests) and triggerer (aiohttp) alike.

The emulator serves https with a self-signed certificate for 127.0.0.1. Without a CA bundle the task fails
with DatameerTLSError saying what to set; with the certificate as CA bundle, or ``verify=false``, it runs.
A deferred run covers both transports: the worker's status read and trigger, the trigger's polls, and the
worker's job-details read on resume.
"""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.errors import DatameerTLSError
from airflow_provider_datameer.emulator import EmulatorServer
from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger
from tests.support import connection_json, context, first_event, run_deferrable, trigger_op

pytestmark = pytest.mark.usefixtures("close_sessions")


def connect(monkeypatch, server: EmulatorServer, **extra: object) -> None:
    assert server.url.startswith("https://")
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(server.url, **extra))


def test_f16_self_signed_certificate_is_refused_by_default(https_emulator, monkeypatch):
    server, _cert = https_emulator
    connect(monkeypatch, server)

    with pytest.raises(DatameerTLSError) as info:
        run_deferrable(trigger_op(deferrable=True), context())

    message = str(info.value)
    assert "TLS handshake failed" in message
    assert "the TLS certificate of 127.0.0.1 could not be verified (self-signed certificate)" in message
    assert "'verify' to the path of the CA bundle" in message
    assert server.client.requests() == []  # no request got through, and none was retried into a request


async def test_f16_trigger_refuses_the_certificate_too(https_emulator, monkeypatch):
    """The triggerer's transport (aiohttp) verifies as well: the wait ends at once with the TLS error."""
    server, _cert = https_emulator
    connect(monkeypatch, server)

    event = await first_event(DatameerJobTrigger(job_id=48, execution_id=1, poll_interval=0.2))

    assert event["status"] == "error"
    assert "TLS handshake failed" in event["message"]
    assert server.client.requests() == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("verify", ["ca-bundle", False, "false"], ids=["ca-bundle", "false", "false-string"])
def test_f16_ca_bundle_or_verify_false_lets_the_task_run(https_emulator, monkeypatch, verify):
    server, cert = https_emulator
    connect(monkeypatch, server, verify=str(cert) if verify == "ca-bundle" else verify)

    execution_id = run_deferrable(trigger_op(deferrable=True), context())

    statuses = [r["status"] for r in server.client.requests()]
    assert statuses
    assert set(statuses) == {200}
    assert [r["endpoint"] for r in server.client.requests()][-1] == "job_details"
    assert isinstance(execution_id, int)
