"""The Datameer connection's password appears nowhere in the topology: not in the metadata database
(``pg_dump``), not in the Celery broker (every command Redis received since the first test, and every key
left), not in any file the processes wrote (component logs, task logs, trigger logs). Runs last (see
conftest), after the other tests exercised triggers, failover and mark-failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import redis

from scripts.airflow_stack import EMULATOR_USER
from scripts.topology import Topology

PASSWORD = EMULATOR_USER[1]


def _files(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` except PostgreSQL's data files (the dump covers those), as text."""
    data = directory / "postgres" / "data"
    return {
        str(path.relative_to(directory)): path.read_bytes().decode("utf-8", "replace")
        for path in directory.rglob("*")
        if path.is_file() and data not in path.parents
    }


def _broker_keys(port: int) -> dict[str, str]:
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    return {
        f"redis key {key!r}": cast(bytes, client.dump(key) or b"").decode("utf-8", "replace")
        for key in client.scan_iter(count=500)
    }


def test_the_connection_password_is_nowhere(topology: Topology, broker_monitor: Path):
    dump = topology.postgres.dump()
    monitor = broker_monitor.read_text(errors="replace")
    files = _files(topology.directory)
    # the places looked at hold what a leak would be among: the connection row, Celery's task messages,
    # the task and trigger logs
    assert "datameer_default" in dump
    assert "airflow.providers.celery" in monitor or "execute_workload" in monitor, monitor[:2000]
    assert any("DatameerJobTrigger" in text for name, text in files.items() if "trigger" in name)

    places = {"pg_dump of the metadata database": dump, "redis MONITOR": monitor, **_broker_keys(topology.redis.port)}
    places.update(files)
    assert [name for name, text in places.items() if PASSWORD in text] == []


def test_the_scan_finds_a_planted_password(topology: Topology, tmp_path: Path):
    """The scan itself can fail: a file that holds the password is found."""
    (tmp_path / "airflow").mkdir()
    (tmp_path / "airflow" / "leak.log").write_text(f"login failed for admin:{PASSWORD}\n")
    assert [name for name, text in _files(tmp_path).items() if PASSWORD in text] == ["airflow/leak.log"]
