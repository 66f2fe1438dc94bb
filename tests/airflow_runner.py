"""Real ``airflow dags test`` runs in subprocesses, each in a private copy of one migrated AIRFLOW_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO, connection_json

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
EXAMPLE_DAGS = REPO / "example_dags"


@dataclass
class DagRun:
    """One ``airflow dags test`` run: its exit code, console output, and the home holding all it wrote."""

    dag_id: str
    returncode: int
    output: str
    home: Path

    @property
    def state(self) -> str | None:
        """The final DagRun state from Airflow's "DagRun Finished" line, ``None`` if it never finished."""
        for line in reversed(self.output.splitlines()):
            if "DagRun Finished" in line and "state=" in line:
                return line.split("state=", 1)[1].split(",", 1)[0].strip()
        return None


def airflow_env(home: Path, dags_folder: Path = EXAMPLE_DAGS, **extra: str) -> dict[str, str]:
    """The environment of an Airflow command confined to ``home``: its own sqlite DB and log folder
    (airflow.cfg names them by absolute path, so a copied home would otherwise write to the original)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def migrate(home: Path) -> None:
    done = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=airflow_env(home), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def dags_test(
    template: Path, home: Path, dag_id: str, url: str, dags_folder: Path = EXAMPLE_DAGS, **conn: object
) -> DagRun:
    """Copy the migrated ``template`` home to ``home`` and run ``airflow dags test dag_id`` there, with
    ``datameer_default`` pointing at the emulator ``url`` (``conn``: login, password, extras)."""
    shutil.copytree(template, home)
    env = airflow_env(home, dags_folder, AIRFLOW_CONN_DATAMEER_DEFAULT=connection_json(url, **conn))
    done = subprocess.run([AIRFLOW, "dags", "test", dag_id], env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    (home / "logs").mkdir(exist_ok=True)
    (home / "logs" / f"dags-test-{dag_id}.out").write_text(output)
    return DagRun(dag_id, done.returncode, output, home)
