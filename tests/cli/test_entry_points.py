"""The real entry points in subprocesses: ``python -m airflow_provider_datameer`` and ``airflow datameer``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PASSWORD, STOPS, connection_json, requests

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


# ---------------------------------------------------------------------------------------------- Ctrl-C, closed pipes
def _interrupted_wait(emulator, tmp_path, *flags: str) -> tuple[int, str, int]:
    """``trigger 48 --wait`` in a subprocess with the default SIGINT disposition (as a terminal gives it, even when
    this suite runs in the background with SIGINT ignored), interrupted by a real SIGINT once the run is known.
    Returns the exit code, stderr and the execution id."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=600)
    env = dict(os.environ, AIRFLOW_CONN_DATAMEER_DEFAULT=connection_json(emulator.url), AIRFLOW_HOME=str(tmp_path))
    process = subprocess.Popen(
        module("trigger", "48", "--wait", "--poll-interval", "0.2", *flags),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    seen = [process.stderr.readline()]
    assert seen[0].startswith("Started execution "), seen
    seen.append(process.stderr.readline())  # a status read: the wait is under way
    process.send_signal(signal.SIGINT)
    code, _out, err = finish(process)
    execution_id = int(seen[0].split()[2])
    return code, "".join(seen) + err, execution_id


def test_ctrl_c_ends_the_wait_not_the_run_and_says_how_to_stop_it(emulator, tmp_path):
    code, err, execution_id = _interrupted_wait(emulator, tmp_path)

    assert code == 130, err
    assert "Traceback" not in err
    assert f"interrupted: execution {execution_id} of job 48 keeps running in Datameer" in err
    assert f"python -m airflow_provider_datameer stop 48 --execution-id {execution_id}`" in err
    assert requests(emulator, *STOPS) == []
    assert emulator.client.state()["executions"][-1]["status"] == "RUNNING"


def test_ctrl_c_with_stop_on_interrupt_stops_the_run(emulator, tmp_path):
    code, err, execution_id = _interrupted_wait(emulator, tmp_path, "--stop-on-interrupt")

    assert code == 130, err
    assert "Traceback" not in err
    assert f"interrupted: execution {execution_id} of job 48 stopped" in err
    assert len(requests(emulator, *STOPS)) == 1
    assert emulator.client.state()["executions"][-1]["status"] == "CANCELED"


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(emulator, tmp_path):
    process = start(module("check"), connection_json(emulator.url), tmp_path)
    assert process.stdout is not None
    process.stdout.close()  # `... | head -0`: nobody reads the table
    code, _out, err = process.wait(timeout=240), "", process.stderr.read() if process.stderr else ""

    assert "Traceback" not in err, err
    assert "BrokenPipeError" not in err, err
    assert code == 0
