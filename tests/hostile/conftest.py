"""The hostile server (one per session) and a connection to one of its behaviours."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.hostile.server import HostileServer
from tests.hostile.support import TIMEOUT
from tests.support import connection_json


@pytest.fixture(scope="session")
def hostile_server() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
def hostile(hostile_server, monkeypatch) -> Callable[..., str]:
    """``hostile(behaviour, **extra)`` points connection ``hostile`` at one behaviour; returns the conn id.

    One attempt per call unless ``retries`` is given, so a call's time is one request's time.
    """
    hostile_server.requests.clear()

    def point(behaviour: str, **extra: object) -> str:
        extra.setdefault("timeout", TIMEOUT)
        extra.setdefault("retries", {"attempts": 1})
        extra["base_path"] = f"/{behaviour}"
        monkeypatch.setenv("AIRFLOW_CONN_HOSTILE", connection_json(hostile_server.url, **extra))
        return "hostile"

    return point
