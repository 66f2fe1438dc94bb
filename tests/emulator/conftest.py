"""Fixtures for the emulator's own tests: a fresh server with the fast test jobs, and an API helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_datameer.emulator import EmulatorServer
from tests.emulator.support import JOBS, Api, wait_for


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, jobs=JOBS) as server:
        yield server


@pytest.fixture
def api(emu: EmulatorServer) -> Api:
    return Api(emu.url)


@pytest.fixture
def wait() -> Callable[..., Any]:
    return wait_for
