"""Fixtures of the fault matrix: a private emulator a test may take down.

Real ``airflow dags test`` runs come from ``dags_test`` (tests/conftest.py): each run writes only into its
own copy of the migrated AIRFLOW_HOME (``run.home``), which the secrets case searches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_datameer.emulator import EmulatorServer
from airflow_provider_datameer.emulator.tls import make_self_signed_cert, server_ssl_context
from tests.support import FAST, connection_json


@pytest.fixture
def own_emulator(monkeypatch) -> Iterator[EmulatorServer]:
    """A private emulator (default jobs and users) that the test may stop and start; ``datameer_default``
    points at it with the suite's fast retries."""
    with EmulatorServer(port=0) as server:
        monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(server.url))
        yield server


@pytest.fixture
def https_emulator(tmp_path) -> Iterator[tuple[EmulatorServer, Path]]:
    """An https emulator with a fresh self-signed certificate; yields the server and the certificate path."""
    cert, key = make_self_signed_cert(tmp_path / "tls")
    with EmulatorServer(port=0, ssl_context=server_ssl_context(cert, key)) as server:
        server.client.patch_job(48, **FAST)
        yield server, cert
