"""Without apache-airflow-providers-openlineage nothing breaks: importing the operators imports no OpenLineage
module, and a Datameer task runs green under ``airflow dags test`` with OpenLineage unimportable."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support import REPO, airflow_env, connection_json

SCRIPT = REPO / "tests" / "dags" / "without_openlineage.py"
LINEAGE_DAGS = REPO / "tests" / "dags" / "lineage"


@pytest.mark.dags
def test_a_task_runs_with_openlineage_unimportable(emulator, migrated_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(migrated_home, home)
    env = airflow_env(home, LINEAGE_DAGS, AIRFLOW_CONN_DATAMEER_DEFAULT=connection_json(emulator.url))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "datameer_lineage_plain"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert "OPENLINEAGE AFTER IMPORT: []" in output, output[-4000:]
    assert "OPENLINEAGE AFTER RUN: []" in output, output[-4000:]
    assert "state=success" in output, output[-4000:]
    assert [r["status"] for r in emulator.client.requests() if r["endpoint"] == "trigger_v2"] == [200]
