"""Issue 24: what a person reads when Datameer cannot be reached says, first and in plain words, what happened
and what to fix, on both transports alike; no library class name and no "Max retries exceeded" reach it."""

from __future__ import annotations

import socket

import pytest

from airflow_provider_datameer.core.errors import DatameerError
from airflow_provider_datameer.hooks.datameer import DatameerHook
from tests.support import BOTH_PATHS, IMPORT, connection_json

#: Words of requests, urllib3 and aiohttp that told a person nothing (issue 24 quotes them).
LIBRARY_WORDS = ("Max retries", "Pool(", "Connection(", "ClientConnector", "NewConnectionError", "Caused by", "Error:")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def failure(monkeypatch, via, url: str, **extra: object) -> str:
    extra.setdefault("retries", {"attempts": 1})
    monkeypatch.setenv("AIRFLOW_CONN_WORDS", connection_json(url, **extra))
    with pytest.raises(DatameerError) as info:
        await via(DatameerHook("words"), "get_job_status", IMPORT)
    message = str(info.value)
    assert not [word for word in LIBRARY_WORDS if word in message], message
    return message


@BOTH_PATHS
async def test_a_wrong_port_says_it_refused_the_connection(monkeypatch, via):
    port = closed_port()
    message = await failure(monkeypatch, via, f"http://127.0.0.1:{port}")
    assert f"failed: 127.0.0.1:{port} refused the connection" in message
    assert "Check the connection's host and port" in message


@BOTH_PATHS
async def test_a_misspelled_host_says_it_does_not_resolve(monkeypatch, via):
    message = await failure(monkeypatch, via, "http://datameer.invalid:8080")
    assert "failed: the host name datameer.invalid does not resolve" in message
    assert "Check the spelling of the connection's host" in message


@BOTH_PATHS
async def test_an_untrusted_certificate_says_why_and_which_extra_fixes_it(monkeypatch, via, https_emulator):
    server, _cert = https_emulator
    message = await failure(monkeypatch, via, server.url)
    assert "failed: the TLS certificate of 127.0.0.1 could not be verified (self-signed certificate)" in message
    assert "Set the connection extra 'verify' to the path of the CA bundle" in message


@BOTH_PATHS
async def test_no_answer_in_time_says_how_long_it_waited(monkeypatch, via, own_emulator):
    own_emulator.client.add_fault(kind="delay", seconds=3, endpoint="status_v2")
    message = await failure(monkeypatch, via, own_emulator.url, timeout=0.5)
    assert "failed: no answer within 0.5 s" in message


@BOTH_PATHS
async def test_a_dropped_connection_says_the_server_closed_or_reset_it(monkeypatch, via, own_emulator):
    own_emulator.client.add_fault(kind="reset", endpoint="status_v2")
    message = await failure(monkeypatch, via, own_emulator.url)
    host_port = own_emulator.url.removeprefix("http://")
    assert f"failed: {host_port} closed the connection without answering" in message or (
        f"failed: {host_port} reset the connection" in message
    ), message
