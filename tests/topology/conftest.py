"""One production-layout topology (scripts/topology.py: Postgres, Redis, Celery, two triggerers) for the
tier's session, with an in-process Datameer emulator that tests can take down and bring back with its
state. Everything is stopped in ``finally`` (and by an atexit guard); component logs, the Redis MONITOR
capture and each test's emulator request log are kept in ``artifacts/topology/``.

Needs the Celery and Postgres providers: run it with ``make topology-test`` (the ``.venv-topology``).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("airflow.providers.celery", reason="the topology tier runs in .venv-topology: make topology-test")

from airflow_provider_datameer.emulator import EmulatorServer
from scripts.airflow_stack import EMULATOR_USER
from scripts.processes import Spawned, wait_for
from scripts.topology import TRIGGERERS, Topology
from tests.support import REPO, save_request_log
from tests.topology.jobs import jobs

ARTIFACTS = REPO / "artifacts" / "topology"
DAGS = Path(__file__).resolve().parent / "dags"
DAG_IDS = ("topology_mapped", "topology_held", "topology_worker_free")
_REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The secrets scan reads what every other test left behind: run it last."""
    items.sort(key=lambda item: "tests/topology/test_secrets" in item.nodeid)


@pytest.fixture(scope="session")
def datameer() -> Iterator[EmulatorServer]:
    with EmulatorServer(jobs=jobs(), users=dict([EMULATOR_USER])) as server:
        yield server


@pytest.fixture(scope="session")
def topology(datameer: EmulatorServer) -> Iterator[Topology]:
    """The topology, healthy, its DAGs parsed and unpaused."""
    topology = Topology(datameer_url=datameer.url, dags_folder=DAGS)
    atexit.register(topology.stop)  # a session that dies without its finally still stops everything
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        topology.start().wait_ready()
        assert topology.airflow is not None
        api = topology.airflow.api
        for dag_id in DAG_IDS:
            wait_for(functools.partial(api.dag, dag_id), timeout=240, what=f"{dag_id} parsed", interval=2.0)
            api.set_paused(dag_id, False)
        yield topology
    finally:
        topology.stop(keep=ARTIFACTS / "run")
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def broker_monitor(topology: Topology) -> Iterator[Path]:
    """Every command the Celery broker receives, from the first test on (``redis-cli MONITOR``); its path."""
    path = topology.directory / "redis" / "monitor.txt"
    monitor = Spawned.start(
        "redis-monitor", [_REDIS_CLI, "-p", str(topology.redis.port), "monitor"], env=os.environ, log_path=path
    )
    try:
        wait_for(lambda: path.exists() and path.read_text().startswith("OK"), timeout=30, what="redis MONITOR")
        yield path
    finally:
        monitor.stop()


@pytest.fixture
def airflow(topology: Topology, broker_monitor: Path):
    """The session's Airflow with both triggerers alive and running (a test before may have killed or stopped
    one) and healthy; the broker is monitored from the first test that uses it on."""
    stack = topology.airflow
    assert stack is not None
    for name in TRIGGERERS:
        if any(p.name == name and p.alive for p in stack.processes):
            stack.signal_component(name, signal.SIGCONT)
    stack.restart_dead()
    stack.wait_ready(timeout=240)
    return stack


@pytest.fixture
def emulator(datameer: EmulatorServer, request) -> Iterator[EmulatorServer]:
    """The emulator serving, reset to its start-up jobs with an empty request log; the test's requests are
    saved to ``artifacts/topology/requests-<test>.json``."""
    if not datameer.running:
        datameer.start()
    datameer.client.reset()
    try:
        yield datameer
    finally:
        if not datameer.running:
            datameer.start()
        save_request_log(datameer, ARTIFACTS / f"requests-{request.node.name}.json")
