"""One real Airflow (``airflow standalone``: scheduler, dag-processor, api-server, triggerer) and one Datameer
emulator process for the e2e session; every process is started and stopped by PID, also on failure.

Component logs, the emulator's request log and screenshots end up in ``artifacts/e2e/``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_datameer.emulator import EmulatorProcess
from scripts.airflow_stack import AirflowStack, emulator_process
from scripts.processes import wait_for
from tests.e2e.support import DAG_ID
from tests.support import REPO, save_request_log

ARTIFACTS = REPO / "artifacts" / "e2e"
#: a killed triggerer's triggers move to a live one once its heartbeat is this old (default 30 s)
TRIGGERER_THRESHOLD = "15"
_STARTED = time.time()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def datameer() -> Iterator[EmulatorProcess]:
    with emulator_process() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def airflow_stack(datameer: EmulatorProcess, tmp_path_factory, artifacts: Path) -> Iterator[AirflowStack]:
    """``airflow standalone`` on free loopback ports in a temporary AIRFLOW_HOME, healthy, example (a) unpaused."""
    stack = AirflowStack(
        tmp_path_factory.mktemp("airflow-e2e"),
        datameer.url,
        settings={
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": TRIGGERER_THRESHOLD,
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # the connection form's Test button (off by default)
            "AIRFLOW__CORE__DAGS_FOLDER": str(_dags_folder(tmp_path_factory.mktemp("dags"))),
            "DATAMEER_E2E_PIDS": str(tmp_path_factory.mktemp("pids")),  # read by tests/e2e/dags
        },
    )
    try:
        stack.start()
        stack.wait_ready(timeout=300)
        wait_for(lambda: stack.api.dag(DAG_ID), timeout=180, what=f"{DAG_ID} parsed")
        stack.api.set_paused(DAG_ID, False)
        yield stack
    finally:
        stack.stop()
        _keep_logs(stack, artifacts / "logs")


def _dags_folder(folder: Path) -> Path:
    """The example DAGs and the e2e tier's own (tests/e2e/dags), side by side in one folder."""
    for dag_file in [*(REPO / "example_dags").glob("*.py"), *(REPO / "tests" / "e2e" / "dags").glob("*.py")]:
        shutil.copy(dag_file, folder / dag_file.name)
    return folder


@pytest.fixture(scope="session")
def pids(airflow_stack: AirflowStack) -> Path:
    """Where the e2e DAGs' tries write their process ids (tests/e2e/dags)."""
    return Path(airflow_stack.env["DATAMEER_E2E_PIDS"])


def _keep_logs(stack: AirflowStack, logs: Path) -> None:
    """Component logs (``*.log``) and task logs (``tasks/``) of the stack, replacing an earlier session's."""
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    for path in stack.logs():
        shutil.copy(path, logs / path.name)
    if (stack.home / "logs").is_dir():
        shutil.copytree(stack.home / "logs", logs / "tasks")


@pytest.fixture
def airflow(airflow_stack: AirflowStack) -> AirflowStack:
    """The session's Airflow, checked healthy again (a test before may have restarted a component)."""
    airflow_stack.wait_ready(timeout=120)
    return airflow_stack


@pytest.fixture
def emulator(datameer: EmulatorProcess, artifacts: Path, request) -> Iterator[EmulatorProcess]:
    """The emulator reset to its start-up jobs with an empty request log; the test's requests are saved to
    ``artifacts/e2e/requests-<test>.json``."""
    datameer.client.reset()
    try:
        yield datameer
    finally:
        save_request_log(datameer, artifacts / f"requests-{request.node.name}.json")


def pytest_terminal_summary(terminalreporter) -> None:
    """List the artefacts this session wrote."""
    written = sorted(p for p in ARTIFACTS.glob("*") if p.stat().st_mtime >= _STARTED) if ARTIFACTS.exists() else []
    if written:
        terminalreporter.write_sep("-", "e2e artefacts")
        for path in written:
            terminalreporter.write_line(str(path))
