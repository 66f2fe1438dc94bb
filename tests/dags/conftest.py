"""Run DAG files under real ``airflow dags test`` subprocesses against the emulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, connection_json

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@dataclass
class DagRun:
    dag_id: str
    returncode: int
    output: str

    @property
    def state(self) -> str | None:
        for line in reversed(self.output.splitlines()):
            if "DagRun Finished" in line and "state=" in line:
                return line.split("state=", 1)[1].split(",", 1)[0].strip()
        return None


@pytest.fixture(scope="session")
def migrated_home(tmp_path_factory):
    """An AIRFLOW_HOME with a migrated sqlite DB, copied per DAG run so runs never share state."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = _airflow_env(home, REPO / "example_dags")
    done = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def _airflow_env(home: Path, dags_folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


@pytest.fixture
def dags_test(emulator, migrated_home, tmp_path):
    """Run ``airflow dags test DAG_ID`` with ``datameer_default`` pointing at the emulator."""

    def run(dag_id: str, dags_folder: Path = REPO / "example_dags", **conn: object) -> DagRun:
        home = tmp_path / "home"
        shutil.copytree(migrated_home, home)
        env = _airflow_env(home, dags_folder, AIRFLOW_CONN_DATAMEER_DEFAULT=connection_json(emulator.url, **conn))
        done = subprocess.run([AIRFLOW, "dags", "test", dag_id], env=env, capture_output=True, text=True, timeout=600)
        output = done.stdout + done.stderr
        (tmp_path / f"{dag_id}.log").write_text(output)
        return DagRun(dag_id, done.returncode, output)

    return run
