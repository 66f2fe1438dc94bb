"""Bad input to ``make topology``: PostgreSQL or Redis cannot start (port taken, binary missing). The error
names the service and the fix, and whatever had started is stopped and the directory removed.

These tests start no Airflow (and do not use the session's topology).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from scripts.topology import Topology
from scripts.topology_services import ServiceError
from tests.support import REPO


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _leftovers(topology: Topology) -> list[str]:
    """Processes whose command line names the topology's directory, and the directory if it still exists."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if str(topology.directory) in " ".join(proc.info["cmdline"] or []):
            found.append(f"{proc.pid}: {' '.join(proc.info['cmdline'])}")
    return found + ([str(topology.directory)] if topology.directory.exists() else [])


def _fails(topology: Topology) -> str:
    with pytest.raises(ServiceError) as raised:
        topology.start()
    assert _leftovers(topology) == []
    return str(raised.value)


def test_postgres_port_taken(taken_port):
    message = _fails(Topology(postgres_port=taken_port))
    assert message.startswith(f"PostgreSQL: port {taken_port} on 127.0.0.1 is already taken"), message
    assert "--postgres-port" in message


def test_redis_port_taken_stops_the_started_postgres(taken_port):
    topology = Topology(redis_port=taken_port)
    message = _fails(topology)
    assert message.startswith(f"Redis: port {taken_port} on 127.0.0.1 is already taken"), message
    assert topology.postgres.process is None  # it had started, and was stopped


def test_postgres_binaries_missing(tmp_path):
    message = _fails(Topology(postgres_bin_dir=str(tmp_path)))
    assert message.startswith(f"PostgreSQL: {tmp_path}/initdb does not exist"), message
    assert "apt-get install -y postgresql-15" in message


def test_redis_binary_missing_stops_the_started_postgres(tmp_path):
    topology = Topology(redis_binary=str(tmp_path / "redis-server"))
    message = _fails(topology)
    assert message.startswith(f"Redis: {tmp_path}/redis-server does not exist"), message
    assert "install redis-server" in message
    assert topology.postgres.process is None


def test_make_topology_says_which_service_failed(taken_port):
    done = subprocess.run(
        [sys.executable, "scripts/topology.py", "--api-port", "0", "--redis-port", str(taken_port)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    assert f"make topology: Redis: port {taken_port} on 127.0.0.1 is already taken" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_api_port_taken_starts_nothing(taken_port):
    message = _fails(Topology(api_port=taken_port))
    assert message.startswith(f"Airflow api-server: port {taken_port} on 127.0.0.1 is already taken"), message
    assert "--api-port" in message
