"""A throwaway local Airflow pointed at a Datameer emulator: its environment, ``db migrate``, and its running
components (``airflow standalone``, plus any component started on its own, e.g. a replacement triggerer),
started and stopped by PID.

Everything listens on 127.0.0.1. Ports other than the API's are taken free at start, so that several stacks
(or other engineers' tests) can run side by side.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from airflow_provider_datameer.emulator import EmulatorProcess
from scripts.airflow_api import AirflowApi, AirflowApiError
from scripts.processes import Spawned, free_port, kill_tree, log_tail, wait_for

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_DAGS = REPO / "example_dags"
AIRFLOW = Path(sys.executable).with_name("airflow")
#: what ``/api/v2/monitor/health`` must report healthy before the stack counts as up
HEALTH_KEYS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
#: the emulator's user for demos and e2e tests; a password unlike the user name, so that Airflow's masking
#: of connection passwords in logs hides only the password (with admin/admin it hides the user name too)
EMULATOR_USER = ("admin", "datameer-demo-password")


def emulator_process() -> EmulatorProcess:
    """A Datameer emulator subprocess on a free loopback port whose one user is ``EMULATOR_USER``."""
    return EmulatorProcess(extra_args=["--user", ":".join(EMULATOR_USER)])


def datameer_connection(url: str) -> str:
    """An ``AIRFLOW_CONN_DATAMEER_DEFAULT`` value for the emulator at ``url`` as ``EMULATOR_USER``."""
    parts = urlsplit(url)
    return json.dumps(
        {
            "conn_type": "datameer",
            "host": parts.hostname,
            "port": parts.port,
            "schema": parts.scheme,
            "login": EMULATOR_USER[0],
            "password": EMULATOR_USER[1],
        }
    )


def airflow_env(home: Path, datameer_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without any ``AIRFLOW__*`` / ``AIRFLOW_CONN_*`` of the caller's, plus a
    home, the example DAGs, no Airflow examples, ``datameer_default`` -> the emulator, and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env.update(
        PATH=f"{AIRFLOW.parent}{os.pathsep}{env.get('PATH', '')}",  # standalone runs `airflow` from PATH
        PYTHONUNBUFFERED="1",
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(EXAMPLE_DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW_CONN_DATAMEER_DEFAULT=datameer_connection(datameer_url),
    )
    env.update(settings)
    return env


def server_settings(api_port: int) -> dict[str, str]:
    """Servers on ``api_port`` and free ports, a login-free UI (every user is admin), and 4 LocalExecutor
    workers instead of 32 (plenty for the examples, and light on a laptop or CI machine).

    The API server listens on 127.0.0.1 only; Airflow's log servers (scheduler, triggerer) always bind all
    interfaces (``airflow.utils.serve_logs``) and answer only requests signed with the JWT secret.
    """
    return {
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
    }


def run_airflow(
    args: list[str], env: Mapping[str, str], log_path: Path, *, timeout: float = 600, check: bool = True
) -> int:
    """``airflow ARGS`` to completion, output appended to ``log_path``; returns the exit code.

    With ``check``, a non-zero exit raises RuntimeError quoting the log's tail.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        done = subprocess.run(
            [str(AIRFLOW), *args],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"`airflow {' '.join(args)}` exited {done.returncode} (log {log_path}):\n{log_tail(log_path)}"
        )
    return done.returncode


class AirflowStack:
    """``airflow standalone`` (scheduler, dag-processor, api-server, triggerer) for one ``home``, and any
    component started besides it; a context manager that stops them all.

    A component can be killed (``kill_component``: SIGKILL of its process tree, as in a crash) and another
    one started (``start_component``), e.g. to show that a deferred task survives a triggerer restart.

    :param api_port: the API server / UI port (default: a free one).
    :param settings: more environment, e.g. ``AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD``; they win
        over the server settings (e.g. ``AIRFLOW__CORE__PARALLELISM``).
    """

    def __init__(
        self,
        home: Path,
        datameer_url: str,
        *,
        api_port: int | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.home = home
        self.api_port = api_port or free_port()
        self.env = airflow_env(home, datameer_url, **{**server_settings(self.api_port), **(settings or {})})
        self.processes: list[Spawned] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def api(self) -> AirflowApi:
        return AirflowApi(self.url)

    def start(self) -> AirflowStack:
        self.home.mkdir(parents=True, exist_ok=True)
        # db migrate first also writes airflow.cfg with the secrets every component must share.
        run_airflow(["db", "migrate"], self.env, self.home / "migrate.log")
        self.start_component("standalone")
        return self

    def start_component(self, command: str) -> Spawned:
        """``airflow COMMAND`` as a process of ours, logging to ``home/COMMAND[-N].log``."""
        count = sum(p.name == command for p in self.processes)
        log_path = self.home / (f"{command}.log" if count == 0 else f"{command}-{count + 1}.log")
        spawned = Spawned.start(command, [str(AIRFLOW), command], env=self.env, log_path=log_path, cwd=self.home)
        self.processes.append(spawned)
        return spawned

    def wait_ready(self, timeout: float = 240) -> dict:
        """Until every component reports healthy through the API; raises with the logs' tails otherwise."""

        def healthy() -> dict | None:
            self._check_alive()
            health = self.api.health()
            return health if all(health.get(k, {}).get("status") == "healthy" for k in HEALTH_KEYS) else None

        return wait_for(
            healthy,
            timeout=timeout,
            what=f"Airflow at {self.url} healthy",
            interval=1.0,
            retry_on=(OSError, AirflowApiError),  # not up yet; a component that exited fails at once
        )

    def _check_alive(self) -> None:
        dead = [p for p in self.processes if not p.alive and not p.killed]
        if dead:
            details = "\n".join(f"--- {p.name} exited {p.process.returncode}:\n{p.log_tail()}" for p in dead)
            raise RuntimeError(f"Airflow component(s) exited:\n{details}")

    def component_pid(self, command: str) -> int:
        """The PID of a running component: our own process, or ``airflow standalone``'s child."""
        for spawned in reversed(self.processes):
            if spawned.name == command and spawned.alive:
                return spawned.pid
            if spawned.name == "standalone":
                for child in spawned.children():
                    if child.cmdline()[-1:] == [command]:
                        return child.pid
        raise LookupError(f"no running `airflow {command}` in this stack")

    def kill_component(self, command: str) -> list[int]:
        """SIGKILL a component and all its descendants (a crash, not a shutdown); returns the PIDs."""
        pid = self.component_pid(command)
        ours = [p for p in self.processes if p.pid == pid]
        return ours[0].kill() if ours else kill_tree(pid)

    def stop(self) -> None:
        """SIGINT each process (standalone then stops its children), newest first; SIGKILL leftovers."""
        while self.processes:
            self.processes.pop().stop(signal.SIGINT, grace=30)

    def logs(self) -> list[Path]:
        return sorted(self.home.glob("*.log"))

    def __enter__(self) -> AirflowStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
