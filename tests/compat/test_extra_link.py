"""The "Datameer Job" extra link resolves on every Airflow version, by that version's own mechanism (see
``link_probe``): after a real ``airflow dags test`` of example (a), the link the UI would show is the URL of the
Datameer run that the task pushed as ``job_url``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import EXAMPLE_DAGS, airflow_env


@pytest.mark.dags
def test_the_ui_link_is_the_url_of_the_triggered_run(dags_test, emulator):
    run = dags_test("example_datameer_trigger_and_wait")
    assert run.state == "success", run.output[-4000:]
    assert len(emulator.client.requests("trigger_v2")) == 1

    probe = Path(__file__).with_name("link_probe.py")
    done = subprocess.run(
        [sys.executable, str(probe), str(EXAMPLE_DAGS)],
        env=airflow_env(run.home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(shown["job_execution_id"], int)
    assert shown["job_url"] == f"{emulator.url}/file-job?jobExecutionId={shown['job_execution_id']}"
    assert shown["_link_DatameerJobLink"] == shown["job_url"]
