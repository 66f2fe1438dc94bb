"""F15 (secrets) and the Airflow side of F12/F13, under real ``airflow dags test`` subprocesses.

Each run uses a private emulator whose only user has a distinctive password, and a private AIRFLOW_HOME
(``dags_test``), so that everything the run wrote — console output, log files, the sqlite
database — can be searched for the password and for its HTTP Basic token.
"""

from __future__ import annotations

import base64
import configparser
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path

import pytest

from airflow_provider_datameer.emulator import EmulatorServer
from tests.support import execution
from tests.support import requests as requests_for

pytestmark = pytest.mark.dags

LOGIN = "admin"
SECRET = "Dm-7f4e9c1b-s3cr3t-Xq"
TOKEN = base64.b64encode(f"{LOGIN}:{SECRET}".encode()).decode()
FAULT_DAGS = Path(__file__).parent / "dags"


@pytest.fixture
def secret_emulator() -> Iterator[EmulatorServer]:
    """An emulator whose one user logs in with SECRET."""
    with EmulatorServer(port=0, users={LOGIN: SECRET}) as server:
        yield server


# ---------------------------------------------------------------------------------------------- the search
def _fernet(home: Path):
    """The home's Fernet (Airflow encrypts trigger kwargs with ``[core] fernet_key``), or None without a key."""
    from cryptography.fernet import Fernet

    config = configparser.RawConfigParser()
    config.read(home / "airflow.cfg")
    key = config.get("core", "fernet_key", fallback="").strip()
    return Fernet(key.encode()) if key else None


def database_texts(home: Path) -> Iterator[tuple[str, str]]:
    """(where, decoded text) of every database value that could carry a secret: XCom values, the trigger
    kwargs (decrypted when encrypted) and the task instances' resume kwargs."""
    fernet = _fernet(home)
    with closing(sqlite3.connect(home / "airflow.db")) as db:
        for key, value in db.execute("SELECT key, value FROM xcom"):
            yield f"xcom {key}", str(value)
        for trigger_id, kwargs in db.execute("SELECT id, kwargs FROM trigger"):
            text = kwargs if kwargs.startswith("{") or fernet is None else fernet.decrypt(kwargs.encode()).decode()
            yield f"trigger {trigger_id} kwargs", text
        for task_id, next_kwargs in db.execute("SELECT task_id, next_kwargs FROM task_instance"):
            yield f"task_instance {task_id} next_kwargs", str(next_kwargs)


def leaks(home: Path, needles: Sequence[str]) -> list[str]:
    """Every place under ``home`` where a needle occurs: raw bytes of every file (the database included),
    then the decoded database values."""
    found = [
        f"{path.relative_to(home)} contains {needle!r}"
        for path in sorted(home.rglob("*"))
        if path.is_file()
        for needle in needles
        if needle.encode() in path.read_bytes()
    ]
    found += [
        f"{where} contains {needle!r}" for where, text in database_texts(home) for needle in needles if needle in text
    ]
    return found


def assert_no_secret_anywhere(home: Path) -> None:
    """The password and its Basic token appear nowhere; and the search is shown to work on this very home,
    by planting a canary in a log file and in an encrypted trigger row and finding both."""
    kinds = {where.split()[0] for where, _ in database_texts(home)}
    assert {"xcom", "task_instance"} <= kinds, f"the run wrote no XCom/task rows to {home}: nothing was searched"
    assert leaks(home, [SECRET, TOKEN]) == []

    canary = "canary-" + SECRET[::-1]
    (home / "logs" / "planted.log").write_text(f"some log line {canary}\n")
    fernet = _fernet(home)
    planted = fernet.encrypt(f'{{"x": "{canary}"}}'.encode()).decode() if fernet else f'{{"x": "{canary}"}}'
    with closing(sqlite3.connect(home / "airflow.db")) as db, db:
        db.execute(
            "INSERT INTO trigger (classpath, kwargs, created_date) VALUES ('canary', ?, CURRENT_TIMESTAMP)",
            (planted,),
        )
    found = leaks(home, [canary])
    assert any(place.startswith("logs/planted.log") for place in found), found
    assert any(place.startswith("trigger ") for place in found), found


# ---------------------------------------------------------------------------------------------- F15
def test_f15_example_dag_run_leaks_no_secret(dags_test, secret_emulator):
    """Example (a): trigger, defer (trigger kwargs stored in the database), resume, XCom, a downstream task."""
    outcome = dags_test("example_datameer_trigger_and_wait", url=secret_emulator.url, password=SECRET)

    assert outcome.state == "success", outcome.output[-4000:]
    assert {"trigger"} <= {where.split()[0] for where, _ in database_texts(outcome.home)}
    assert_no_secret_anywhere(outcome.home)


# ---------------------------------------------------------------------------------------------- F12/F13 (Airflow)
def test_f12_f13_execution_timeout_kills_the_task_and_on_kill_stops_the_run(dags_test, secret_emulator):
    """Airflow's own ``execution_timeout`` (worker mode) raises in the task and calls ``on_kill``: the
    Datameer run is stopped, the task fails saying it timed out. The failure path leaks no secret either."""
    outcome = dags_test(
        "datameer_fault_execution_timeout", url=secret_emulator.url, dags_folder=FAULT_DAGS, password=SECRET
    )

    output = outcome.output
    assert outcome.state == "failed", output[-4000:]
    assert "AirflowTaskTimeout" in output
    assert "Asked Datameer to stop job 63" in output
    stops = requests_for(secret_emulator, "stop_v2", "stop_v1")
    assert [r["path"] for r in stops] == ["/api/job-execution/63/stop"]
    (trigger,) = requests_for(secret_emulator, "trigger_v2")
    runs = [e for e in secret_emulator.client.state()["executions"] if e["file_id"] == 63]
    assert [e["status"] for e in runs] == ["CANCELED"]
    assert trigger["status"] == 200
    assert execution(secret_emulator, runs[0]["id"])["status"] == "CANCELED"
    assert_no_secret_anywhere(outcome.home)
