"""Fixtures of the fault matrix: a private emulator a test may take down.

Real ``airflow dags test`` runs come from ``dags_test`` (tests/conftest.py): each run writes only into its
own copy of the migrated AIRFLOW_HOME (``run.home``), which the secrets case searches.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_datameer.emulator import EmulatorServer
from tests.support import connection_json


@pytest.fixture
def own_emulator(monkeypatch) -> Iterator[EmulatorServer]:
    """A private emulator (default jobs and users) that the test may stop and start; ``datameer_default``
    points at it with the suite's fast retries."""
    with EmulatorServer(port=0) as server:
        monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(server.url))
        yield server
