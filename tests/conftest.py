"""Shared test setup: an isolated AIRFLOW_HOME, the Datameer emulator on loopback, and a connection to it.

Fixtures only; the helpers shared by several tiers are in tests/support.py (imported inside the fixtures, after
the isolation below).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Airflow reads its configuration at import: isolate it before any test module imports airflow.
_HOME = Path(tempfile.mkdtemp(prefix="datameer-tests-airflow-"))
os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")


@pytest.fixture(scope="session")
def emulator_server():
    """One emulator for the session (reset before each test by ``emulator``)."""
    from airflow_provider_datameer.emulator import EmulatorServer

    with EmulatorServer(port=0) as server:
        yield server


@pytest.fixture
def emulator(emulator_server):
    emulator_server.client.reset()
    return emulator_server


@pytest.fixture
def datameer_conn(emulator, monkeypatch):
    """``datameer_default`` pointing at the emulator; returns a setter for other extras/credentials."""
    from tests.support import connection_json

    def configure(conn_id: str = "datameer_default", **kwargs: object) -> str:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", connection_json(emulator.url, **kwargs))
        return conn_id

    configure()
    return configure


@pytest.fixture
async def close_sessions():
    """Close the event loop's shared aiohttp session after an async test."""
    yield
    from airflow_provider_datameer.hooks.transport import close_shared_session

    await close_shared_session()


@pytest.fixture(scope="session")
def migrated_home(tmp_path_factory):
    """An AIRFLOW_HOME with a migrated sqlite DB; every DAG run works in its own copy."""
    from tests.support import migrate

    home = tmp_path_factory.mktemp("airflow-home")
    migrate(home)
    return home


@pytest.fixture
def dags_test(emulator, migrated_home, tmp_path):
    """``dags_test(dag_id, dags_folder=..., url=<emulator>, **conn)`` runs real ``airflow dags test`` in a
    private home and returns a :class:`tests.support.DagRun` (state, output, home)."""
    from tests.support import EXAMPLE_DAGS
    from tests.support import dags_test as run_dag

    def run(dag_id: str, dags_folder: Path = EXAMPLE_DAGS, url: str | None = None, **conn: object):
        return run_dag(migrated_home, tmp_path / f"home-{dag_id}", dag_id, url or emulator.url, dags_folder, **conn)

    return run
