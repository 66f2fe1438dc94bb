"""Helpers shared by several test tiers; a tier's own helpers are in ``tests/<tier>/support.py``.

Importing this module imports no Airflow (Airflow reads its configuration at import, and tests/conftest.py
isolates it first): whatever needs Airflow or the operators imports them where it is called.

- paths and connections: :data:`REPO`, :func:`connection_json`
- the installed Airflow: :data:`AIRFLOW_VERSION`, :func:`requires_airflow`
- real ``airflow`` commands in subprocesses: :func:`airflow_env`, :func:`migrate`, :func:`dags_test`
- the emulator's default jobs and its side of a test: :data:`IMPORT`..., :func:`finished_run`,
  :func:`execution`, :func:`logged`, :func:`requests`, :func:`rest_executions`
- both transports: :data:`BOTH_PATHS`
- tasks outside a scheduler: :func:`context`, :func:`run_deferrable`, :func:`trigger_op`, :func:`sensor`
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

if TYPE_CHECKING:
    from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator
    from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

# ---------------------------------------------------------------------------------------------- paths, connections
REPO = Path(__file__).resolve().parent.parent
PASSWORD = "admin"


def connection_json(url: str, *, login: str = "admin", password: str = PASSWORD, **extra: object) -> str:
    """An ``AIRFLOW_CONN_*`` value pointing at an emulator URL, with fast retries for tests."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    extra.setdefault("retries", {"attempts": 3, "backoff": 0.05, "max_backoff": 0.2})
    extra.setdefault("timeout", 5)
    return json.dumps(
        {
            "conn_type": "datameer",
            "host": parts.hostname,
            "port": parts.port,
            "schema": parts.scheme,
            "login": login,
            "password": password,
            "extra": extra,
        }
    )


# ---------------------------------------------------------------------------------------------- Airflow version
# Which Airflow the suite runs under, and the features that depend on it (one place for every tier). Use
# ``requires_airflow(">=3.3", "why")`` on a test whose premise only holds on some versions, and write the other
# side of the behaviour as its own test, so each leg of the CI matrix proves what its version does.
AIRFLOW_VERSION = Version(version("apache-airflow"))

#: The triggerer awaits ``BaseTrigger.on_kill()`` when a user marks or clears a deferred task.
TRIGGER_ON_KILL = Version("3.3") <= AIRFLOW_VERSION
#: A retry of a task that failed after it resumed from a deferral starts in ``execute_complete`` with the first
#: try's trigger event, not in ``execute`` (seen on 3.1.0 under ``airflow dags test``; 2.11 and 3.3 start the
#: retry in ``execute``; 3.2 is not in the matrix and assumed to be 3.1's).
RETRY_RESUMES_DEFERRAL = Version("3.1") <= AIRFLOW_VERSION < Version("3.3")


def requires_airflow(spec: str, reason: str) -> pytest.MarkDecorator:
    """Skip unless the installed Airflow is in ``spec`` (a PEP 440 specifier such as ``">=3.3"``)."""
    return pytest.mark.skipif(
        AIRFLOW_VERSION not in SpecifierSet(spec, prereleases=True),
        reason=f"needs Airflow {spec} ({reason}); this is {AIRFLOW_VERSION}",
    )


# ---------------------------------------------------------------------------------------------- airflow commands
# Real ``airflow dags test`` runs in subprocesses, each in a private copy of one migrated AIRFLOW_HOME.
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


# ---------------------------------------------------------------------------------------------- the emulator
# The emulator is steered through its control API, never by reaching into its objects. These work on an
# in-process ``EmulatorServer`` and on an ``EmulatorProcess`` alike (both have ``.client``).

# Default jobs (airflow_provider_datameer/emulator/default_jobs.json): file id -> configuration id.
IMPORT, WORKBOOK, WARNINGS, EXPORT, BROKEN, LONG = 48, 57, 60, 61, 62, 63
CONFIGURATION = {IMPORT: 41, WORKBOOK: 50, WARNINGS: 52, EXPORT: 53, BROKEN: 54, LONG: 55}

#: The endpoints of a stop request (V2, then V1).
STOPS = ("stop_v2", "stop_v1")


def finished_run(emulator: Any, file_id: int) -> int:
    """Start a run of the job that is already over (zero queue and run time); returns its execution id."""
    emulator.client.patch_job(file_id, queue_seconds=0, run_seconds=0)
    return emulator.client.trigger_as(file_id)


def running_run(emulator: Any, file_id: int = LONG) -> int:
    """Start a run that is RUNNING at once and for minutes (the long job); returns its execution id."""
    emulator.client.patch_job(file_id, queue_seconds=0, run_seconds=600)
    return emulator.client.trigger_as(file_id)


def execution(emulator: Any, execution_id: int) -> dict[str, Any]:
    """The emulator's own view of one execution (status, wall-clock start/stop, data_deleted)."""
    return next(e for e in emulator.client.state()["executions"] if e["id"] == execution_id)


def rest_executions(emulator: Any) -> list[dict[str, Any]]:
    """Executions started through Datameer's REST API (not the control API)."""
    return [e for e in emulator.client.state()["executions"] if e["trigger"] == "RESTAPI"]


def logged(emulator: Any, endpoint: str | None = None) -> list[dict[str, Any]]:
    """Datameer requests the emulator answered (faulted ones included), oldest first."""
    return emulator.client.requests(endpoint)


def requests(emulator: Any, *endpoints: str) -> list[dict[str, Any]]:
    """Datameer requests of any of ``endpoints`` the emulator answered, oldest first."""
    return [r for r in emulator.client.requests() if r["endpoint"] in endpoints]


def wait_for_logged(emulator: Any, endpoint: str, count: int, deadline: float = 30.0) -> list[dict[str, Any]]:
    """Poll the request log until ``count`` requests of ``endpoint`` are in it (a delayed answer is logged
    only when it is sent)."""
    end = time.monotonic() + deadline
    while len(found := logged(emulator, endpoint)) < count:
        assert time.monotonic() < end, f"only {len(found)} {endpoint} request(s) logged, expected {count}"
        time.sleep(0.05)
    return found


def save_request_log(emulator: Any, path: Path) -> None:
    """Write the emulator's whole request log to ``path`` (JSON), for the artefacts of a test."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(emulator.client.requests(), indent=1))


# ---------------------------------------------------------------------------------------------- both transports
@dataclass(frozen=True)
class Via:
    """Calls a hook command on one path: ``hook.<command>(...)`` or ``await hook.a<command>(...)``.

    The sync call runs inside the async test's event loop; that is harmless because the emulator serves
    from its own thread.
    """

    is_async: bool

    async def __call__(self, hook: Any, command: str, *args: Any) -> Any:
        if self.is_async:
            return await getattr(hook, f"a{command}")(*args)
        return getattr(hook, command)(*args)

    def __str__(self) -> str:
        return "async" if self.is_async else "sync"


#: Parametrize a test over both transports: the test takes a ``via`` argument.
BOTH_PATHS = pytest.mark.parametrize("via", [Via(False), Via(True)], ids=str)


# ---------------------------------------------------------------------------------------------- tasks
# Operators and triggers driven outside a scheduler: the task-instance stand-in records XCom; everything
# Datameer-facing is real (emulator over loopback).
FAST = {"queue_seconds": 0.2, "run_seconds": 0.8}


class RecordingTI:
    """Stands in for Airflow's TaskInstance: only XCom pushes are needed by our operators."""

    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def context() -> dict[str, Any]:
    return {"ti": RecordingTI()}


async def first_event(trigger: Any, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109 (bounds a test)
    """Run a trigger until its first event, as the triggerer would."""

    async def first() -> dict[str, Any]:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("trigger ended without an event")

    return await asyncio.wait_for(first(), timeout)


def run_deferrable(operator: Any, ctx: dict[str, Any]) -> Any:
    """execute(); if it defers, run the trigger to its event and resume in the named method."""
    from airflow.providers.common.compat.sdk import TaskDeferred

    try:
        return operator.execute(ctx)
    except TaskDeferred as deferred:
        event = asyncio.run(_event_and_close(deferred.trigger))
        return getattr(operator, deferred.method_name)(ctx, event)


async def _event_and_close(trigger: Any) -> dict[str, Any]:
    return await first_event(trigger)


def trigger_op(**kw: Any) -> DatameerTriggerJobOperator:
    """The trigger operator on the import job with a fast poll; keyword arguments override."""
    from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

    kw.setdefault("job_id", IMPORT)
    kw.setdefault("poll_interval", 0.2)
    return DatameerTriggerJobOperator(task_id="run", **kw)


def sensor(**kw: Any) -> DatameerJobSensor:
    """The sensor on the import job with a fast poke and a generous timeout; keyword arguments override."""
    from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

    kw.setdefault("job_id", IMPORT)
    kw.setdefault("poke_interval", 0.2)
    kw.setdefault("timeout", 60)
    return DatameerJobSensor(task_id="wait", **kw)


def task_log(capsys: Any, caplog: Any) -> str:
    """What the task logged: Airflow's structlog writes to stdout, plain ``logging`` to caplog."""
    return capsys.readouterr().out + caplog.text
