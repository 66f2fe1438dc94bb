"""The UI tier: the real Datameer FastAPI app over Airflow's database (the session's isolated, migrated
AIRFLOW_HOME) and Airflow's SimpleAuthManager; Datameer is the emulator on loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def airflow_db():
    """Airflow's own database in this process's AIRFLOW_HOME, migrated once per session."""
    from tests.support import migrate

    migrate(Path(os.environ["AIRFLOW_HOME"]))


@pytest.fixture
def auth_manager(airflow_db):
    from airflow.api_fastapi.app import init_auth_manager

    return init_auth_manager()


@pytest.fixture
def token(auth_manager):
    """An API token of an admin, as ``GET /auth/token`` hands one out."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return auth_manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))


@pytest.fixture
def live():
    from airflow_provider_datameer.plugins.live import LiveStatus

    return LiveStatus(ttl=5.0)


@pytest.fixture
def client(airflow_db, auth_manager, live):
    """The real app, as the API server mounts it; Datameer tasks of earlier tests are cleared first."""
    from fastapi.testclient import TestClient

    from airflow_provider_datameer.plugins.app import build_app
    from tests.ui.support import clear

    clear()
    with TestClient(build_app(live)) as test_client:
        yield test_client
