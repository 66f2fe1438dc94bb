"""The real entry points in subprocesses: ``python -m airflow_provider_datameer`` and ``airflow datameer``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PASSWORD, connection_json

SECRET = "s3cret-Pa55word"


def start(argv: list[str], conn: str, home: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, AIRFLOW_CONN_DATAMEER_DEFAULT=conn, AIRFLOW_HOME=str(home))
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def module(*argv: str) -> list[str]:
    return [sys.executable, "-m", "airflow_provider_datameer", *argv]


def test_python_m_check(emulator, tmp_path):
    code, out, err = finish(start(module("check"), connection_json(emulator.url), tmp_path))

    assert code == 0, err
    assert "trigger_v2" in out
    assert "Datameer 11.0.6" in out


def test_python_m_bad_input_is_one_line_without_traceback_or_password(emulator, tmp_path):
    """Four kinds of bad input, run side by side: each exits 1 with a single line on stderr."""
    good, wrong = connection_json(emulator.url), connection_json(emulator.url, password=SECRET)
    unreachable = connection_json("http://127.0.0.1:9", password=SECRET)
    cases = {
        "wrong connection id": (module("status", "48", "--conn-id", "nope"), good, "no Airflow connection 'nope'"),
        "unreachable host": (module("trigger", "48"), unreachable, "could not connect to Datameer"),
        "wrong password": (module("stop", "48"), wrong, "the credentials were refused"),
        "unknown job": (module("history", "999"), good, "No job configuration with id 999"),
    }
    running = {name: start(argv, conn, tmp_path / name.replace(" ", "-")) for name, (argv, conn, _) in cases.items()}
    results = {name: finish(process) for name, process in running.items()}

    for name, (code, out, err) in results.items():
        fragment = cases[name][2]
        assert code == 1, (name, out, err)
        assert out == "", (name, out)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (name, err)
        assert lines[0].startswith("error: "), (name, err)
        assert fragment in lines[0], (name, err)
        assert "Traceback" not in err, (name, err)
        assert SECRET not in out + err, (name, err)


def _airflow_has_provider_cli() -> bool:
    from airflow import __version__

    major, minor = (int(part) for part in __version__.split(".")[:2])
    return (major, minor) >= (3, 2)


@pytest.mark.skipif(not _airflow_has_provider_cli(), reason="provider CLI commands need Airflow 3.2+")
def test_airflow_datameer_commands(emulator, tmp_path):
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent))
    assert airflow
    conn = connection_json(emulator.url)
    check = start([airflow, "datameer", "check", "--output", "json"], conn, tmp_path / "check")
    unknown = start([airflow, "datameer", "status", "999"], conn, tmp_path / "unknown")

    code, out, err = finish(check)
    assert code == 0, err
    assert '"complete": true' in out
    code, out, err = finish(unknown)
    assert code == 1
    assert "File doesn't exist or isn't accessible" in err
    assert "Traceback" not in err


def test_a_connection_made_in_the_ui_is_found_in_the_metadata_database(emulator, migrated_home, tmp_path):
    """Outside a task, Airflow 3's task SDK does not read the metadata DB; the CLI must (seen failing)."""
    from urllib.parse import urlsplit

    from tests.support import AIRFLOW, airflow_env

    home = tmp_path / "home"
    shutil.copytree(migrated_home, home)
    env = airflow_env(home)
    port = urlsplit(emulator.url).port
    uri = f"datameer://admin:{PASSWORD}@127.0.0.1:{port}"
    added = subprocess.run(
        [AIRFLOW, "connections", "add", "dm_db", "--conn-uri", uri], env=env, capture_output=True, text=True
    )
    assert added.returncode == 0, added.stdout + added.stderr

    done = subprocess.run(
        module("check", "--conn-id", "dm_db", "--output", "json"), env=env, capture_output=True, text=True, timeout=240
    )

    assert done.returncode == 0, done.stderr
    assert '"complete": true' in done.stdout
