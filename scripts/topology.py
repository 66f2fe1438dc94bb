"""The production layout of Airflow on this one machine, with real parts, for ``make topology`` and the
``tests/topology`` tier: PostgreSQL (metadata database), Redis (Celery broker), Airflow with the
CeleryExecutor (scheduler, dag-processor, api-server, two Celery workers, two triggerers) and a Datameer
emulator, all on 127.0.0.1, in a fresh temporary directory that is removed when the topology stops.

    with Topology() as topology:           # or Topology(datameer_url=...) with an emulator of your own
        topology.airflow.url, topology.addresses()

Every process is started and stopped by PID (scripts/processes.py). The connection ``datameer_default`` is
stored in Airflow's database (encrypted with the Fernet key ``db migrate`` writes), not in an environment
variable, so that a password leak into the database or a log is what the tests can look for.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import psutil

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from airflow_provider_datameer.emulator import EmulatorProcess
from scripts.airflow_stack import AIRFLOW, EMULATOR_USER, EXAMPLE_DAGS, REPO, AirflowStack, run_airflow
from scripts.processes import Spawned, free_port, port_is_free, wait_for
from scripts.topology_services import Postgres, Redis, ServiceError

WORKERS = ("worker-1", "worker-2")
TRIGGERERS = ("triggerer-1", "triggerer-2")
#: a triggerer whose heartbeat is older than this many seconds loses its triggers to a live one (default 30)
TRIGGERER_HEALTH_CHECK_THRESHOLD = 10
TRIGGERER_HEARTBEAT_SEC = 2


def celery_settings(postgres: Postgres, redis: Redis) -> dict[str, str]:
    """Airflow on Postgres and Celery, light enough for two shared cores, quick to fail triggers over."""
    result_backend = postgres.url.replace("postgresql+psycopg2://", "db+postgresql://", 1)
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.url,
        "AIRFLOW__CELERY__BROKER_URL": redis.url,
        "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
        # a task's supervisor talks to the api-server, which is slow on a busy machine (default timeout 5 s)
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__CORE__PARALLELISM": "32",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "128",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "scripts.topology_hostname.hostname",
        "AIRFLOW__API__WORKERS": "2",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": str(TRIGGERER_HEARTBEAT_SEC),
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(TRIGGERER_HEALTH_CHECK_THRESHOLD),
        # the runner watchdog (default 30 s) takes a CPU-starved runner on a busy machine for a deadlock and gives
        # its triggers away; the tests move triggers on purpose, not by accident
        "AIRFLOW__TRIGGERER__RUNNER_HEALTH_CHECK_THRESHOLD": "120",
        # a few triggers per loop, so that both triggerers take a share of a burst of deferrals
        "AIRFLOW__TRIGGERER__MAX_TRIGGER_TO_SELECT_PER_LOOP": "4",
    }


class CeleryAirflow(AirflowStack):
    """Airflow's components as separate processes (no ``standalone``), each named: ``scheduler``,
    ``dag-processor``, ``api-server``, ``worker-N`` (``airflow celery worker``), ``triggerer-N``.

    A component's name is also its host name in Airflow (``job.hostname``, a task's ``hostname``), so a
    triggerer row in the ``job`` table tells which of our processes it is.
    """

    def __init__(
        self,
        home: Path,
        datameer_url: str,
        *,
        postgres: Postgres,
        redis: Redis,
        dags_folder: Path,
        api_port: int | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(home, datameer_url, api_port=api_port)
        self.datameer_url = datameer_url
        del self.env["AIRFLOW_CONN_DATAMEER_DEFAULT"]  # stored in the database instead, see start()
        self.env.update(celery_settings(postgres, redis), **(settings or {}))
        self.env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        self.log_starts: dict[str, int] = {}

    def start(self) -> CeleryAirflow:
        self.home.mkdir(parents=True, exist_ok=True)
        run_airflow(["db", "migrate"], self.env, self.home / "migrate.log")
        self._add_connection()
        self.start_named("scheduler", ["scheduler"])
        self.start_named("dag-processor", ["dag-processor"])
        self.start_named("api-server", ["api-server"])
        for name in WORKERS:
            self.start_worker(name)
        for name in TRIGGERERS:
            self.start_triggerer(name)
        return self

    def _add_connection(self) -> None:
        """``datameer_default`` into the database from a file of ours (never a command line) that is removed."""
        parts = urlsplit(self.datameer_url)
        connection = {"conn_type": "datameer", "host": parts.hostname, "port": parts.port, "schema": parts.scheme}
        connection.update(login=EMULATOR_USER[0], password=EMULATOR_USER[1])
        path = self.home / "connections.json"
        path.touch(mode=0o600)
        try:
            path.write_text(json.dumps({"datameer_default": connection}))
            run_airflow(["connections", "import", str(path)], self.env, self.home / "connections.log")
        finally:
            path.unlink()

    def start_named(self, name: str, args: list[str], **env: str) -> Spawned:
        """``airflow ARGS`` as component ``name``, logging to ``home/NAME.log`` (appended on a restart)."""
        log_path = self.home / f"{name}.log"
        self.log_starts[name] = log_path.stat().st_size if log_path.exists() else 0
        spawned = Spawned.start(
            name,
            [str(AIRFLOW), *args],
            env={**self.env, "TOPOLOGY_COMPONENT": name, **env},
            log_path=log_path,
            cwd=self.home,
        )
        self.processes.append(spawned)
        return spawned

    def log_since_start(self, name: str) -> str:
        """What the current process of component ``name`` wrote to its log so far."""
        with open(self.home / f"{name}.log", "rb") as log:
            log.seek(self.log_starts.get(name, 0))
            return log.read().decode("utf-8", "replace")

    def start_worker(self, name: str) -> Spawned:
        args = ["celery", "worker", "--celery-hostname", f"{name}@topology", "--without-mingle", "--without-gossip"]
        return self.start_named(name, args, AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()))

    def start_triggerer(self, name: str) -> Spawned:
        return self.start_named(name, ["triggerer"], AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()))

    def wait_ready(self, timeout: float = 240) -> dict:
        """Healthy through the API (scheduler, dag-processor, triggerer, database) and every worker ready."""
        health = super().wait_ready(timeout)

        def workers_ready() -> bool:
            self._check_alive()
            return all(" ready." in self.log_since_start(name) for name in WORKERS)

        wait_for(workers_ready, timeout=timeout, what="Celery workers ready", interval=1.0)
        return health

    def signal_component(self, name: str, sig: int) -> list[int]:
        """Send ``sig`` (e.g. SIGSTOP / SIGCONT) to a component and all its descendants; returns the PIDs."""
        root = psutil.Process(self.component_pid(name))
        tree = [root, *root.children(recursive=True)]
        for proc in tree:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(sig)
        return [p.pid for p in tree]

    def stop(self) -> None:
        """SIGTERM to every component at once (so that they shut down side by side, Celery workers warmly),
        then each is stopped by PID as in ``AirflowStack.stop``."""
        for spawned in self.processes:
            if spawned.alive:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(spawned.pid, signal.SIGTERM)
        super().stop()

    def restart_dead(self) -> list[str]:
        """Start again every component that was killed and has no live successor; returns their names."""
        alive = {p.name for p in self.processes if p.alive}
        dead = sorted({p.name for p in self.processes if not p.alive} - alive)
        for name in dead:
            if name in WORKERS:
                self.start_worker(name)
            elif name in TRIGGERERS:
                self.start_triggerer(name)
            else:
                raise RuntimeError(f"cannot restart {name}")
        return dead


class Topology:
    """PostgreSQL, Redis, a Datameer emulator (unless ``datameer_url`` names one) and ``CeleryAirflow``.

    :param datameer_url: an emulator of the caller's whose user is ``EMULATOR_USER``; ``None`` starts
        ``python -m airflow_provider_datameer.emulator`` (with ``jobs_file``, if given).
    :param postgres_port, redis_port, api_port: fixed ports; ``None`` takes free ones.
    :param postgres_bin_dir, redis_binary: where the servers are (default: Debian's places, PATH).
    :param settings: more Airflow environment for every component.
    """

    def __init__(
        self,
        *,
        datameer_url: str | None = None,
        jobs_file: str | Path | None = None,
        dags_folder: Path = EXAMPLE_DAGS,
        postgres_port: int | None = None,
        redis_port: int | None = None,
        api_port: int | None = None,
        postgres_bin_dir: str | None = None,
        redis_binary: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="datameer-topology-"))
        self.directory.chmod(0o755)  # the postgres user must reach its directory inside
        self.postgres = Postgres(
            self.directory / "postgres", postgres_port or free_port(), secrets.token_hex(16), bin_dir=postgres_bin_dir
        )
        self.redis = Redis(self.directory / "redis", redis_port or free_port(), binary=redis_binary)
        self.emulator: EmulatorProcess | None = None
        self.datameer_url = datameer_url
        self.jobs_file = jobs_file
        self.dags_folder = dags_folder
        self.api_port = api_port
        self.settings = dict(settings or {})
        self.airflow: CeleryAirflow | None = None

    def start(self) -> Topology:
        """Start everything; on any failure stop what was started, remove the directory, and raise."""
        try:
            if self.api_port is not None and not port_is_free(self.api_port):
                raise ServiceError(
                    f"Airflow api-server: port {self.api_port} on 127.0.0.1 is already taken by another process; "
                    "pass another port (--api-port PORT) or --api-port 0 to take a free one"
                )
            self.postgres.start()
            self.redis.start()
            if self.datameer_url is None:
                args = ["--user", ":".join(EMULATOR_USER)]
                self.emulator = EmulatorProcess(jobs_file=self.jobs_file, extra_args=args).start()
                self.datameer_url = self.emulator.url
            self.airflow = CeleryAirflow(
                self.directory / "airflow",
                self.datameer_url,
                postgres=self.postgres,
                redis=self.redis,
                dags_folder=self.dags_folder,
                api_port=self.api_port,
                settings=self.settings,
            )
            self.airflow.start()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float = 300) -> Topology:
        assert self.airflow is not None, "start() first"
        try:
            self.airflow.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def addresses(self) -> dict[str, str]:
        """Where each part listens (no passwords)."""
        return {
            "ui": self.airflow.url if self.airflow else "",
            "postgres": f"postgresql://{self.postgres.user}@127.0.0.1:{self.postgres.port}/{self.postgres.database}",
            "redis": self.redis.url,
            "datameer": self.datameer_url or "",
            "directory": str(self.directory),
        }

    def processes(self) -> list[Spawned]:
        """Every live process of ours (servers and Airflow components)."""
        found = [s.process for s in (self.postgres, self.redis) if s.process is not None]
        found += self.airflow.processes if self.airflow else []
        return [p for p in found if p.alive]

    def check_alive(self) -> None:
        """Raise ``RuntimeError`` naming any process of ours that exited (with its log's tail)."""
        for service in (self.postgres, self.redis):
            if service.process is not None and not service.process.alive:
                raise RuntimeError(f"{service.process.name} exited:\n{service.process.log_tail()}")
        if self.airflow is not None:
            self.airflow._check_alive()

    def stop(self, keep: Path | None = None) -> None:
        """Stop Airflow, the emulator, Redis, PostgreSQL (each by PID); copy the logs to ``keep`` if given;
        remove the directory."""
        with contextlib.suppress(Exception):
            if self.airflow is not None:
                self.airflow.stop()
        if self.emulator is not None:
            self.emulator.stop()
        self.redis.stop()
        self.postgres.stop()
        if keep is not None:
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(self.directory, keep, ignore=shutil.ignore_patterns("data", "*.sock"), dirs_exist_ok=True)
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Topology:
        return self.start().wait_ready()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Airflow's production layout (Postgres, Redis, Celery) + emulator")
    parser.add_argument("--api-port", type=int, default=8080, help="UI / API port (default 8080; 0: a free one)")
    parser.add_argument("--postgres-port", type=int, help="default: a free port")
    parser.add_argument("--redis-port", type=int, help="default: a free port")
    parser.add_argument("--dags-folder", type=Path, default=EXAMPLE_DAGS)
    parser.add_argument("--jobs", metavar="FILE", help="the emulator's jobs file (default: its bundled one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Ctrl-C and `kill PID` stop everything, also when a shell started us in the background (it then makes us
    # inherit SIGINT as ignored: `make topology &` followed by `kill -INT` did nothing)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)
    topology = Topology(
        api_port=args.api_port or None,
        postgres_port=args.postgres_port,
        redis_port=args.redis_port,
        dags_folder=args.dags_folder,
        jobs_file=args.jobs,
    )
    try:
        print(f"Starting PostgreSQL, Redis, the Datameer emulator and Airflow in {topology.directory} ...", flush=True)
        topology.start().wait_ready()
        for part, address in topology.addresses().items():
            print(f"  {part:10} {address}")
        print(f"Airflow UI: {topology.addresses()['ui']} (every user is admin). Ctrl-C stops everything.", flush=True)
        while True:
            topology.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("Stopping ...", flush=True)
        return 0
    except (ServiceError, RuntimeError, TimeoutError) as exc:
        print(f"make topology: {exc}", file=sys.stderr)
        return 1
    finally:
        topology.stop()
        print("Stopped every process and removed the directory.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
