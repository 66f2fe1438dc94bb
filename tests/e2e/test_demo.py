"""``make demo``, the README's first command: its script runs example (a) and reports a green run."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_demo_script_reports_a_green_run():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Datameer status    COMPLETED" in output
    assert "Airflow run        success (run_import: success, report: success; run_import deferred" in output
    assert "Execution id       1 (by admin; trigger requests: 1)" in output
    assert done.stdout.splitlines()[-1].startswith("OK (")
