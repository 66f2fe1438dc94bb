"""The two services of the production layout that are not Airflow: PostgreSQL (metadata database) and Redis
(Celery broker), each a throwaway instance on 127.0.0.1 in a directory of ours, started and stopped by PID.

Every failure to start raises ``ServiceError`` saying which service, why, and how to fix it; whatever was
started before the failure has been stopped by then.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from scripts.processes import Spawned, port_is_free, wait_for

#: Debian's server binaries; another major version is taken when 15 is not there
POSTGRES_BIN_DIRS = ("/usr/lib/postgresql/15/bin", *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin"))))
POSTGRES_INSTALL_HINT = "install Debian's server binaries with `apt-get install -y postgresql-15` (as root)"
REDIS_INSTALL = ("apt-get", "install", "-y", "--no-install-recommends", "redis-server")
STARTUP_TIMEOUT = 60.0


class ServiceError(RuntimeError):
    """A service of the topology cannot start; the message names it, the cause and the fix."""


def _port_or_error(service: str, port: int, option: str) -> int:
    if not port_is_free(port):
        raise ServiceError(
            f"{service}: port {port} on 127.0.0.1 is already taken by another process; "
            f"free it, pass another port ({option} PORT), or leave {option} out to take a free one"
        )
    return port


def _started(service: str, spawned: Spawned, ready: Callable[[], bool]) -> None:
    """Wait until ``ready()`` is true; a process that exits or never gets ready is stopped and reported."""

    def check() -> bool:
        if not spawned.alive:
            raise ServiceError(
                f"{service} exited during start-up (exit code {spawned.process.returncode}); its log "
                f"{spawned.log_path} ends with:\n{spawned.log_tail(15)}"
            )
        return bool(ready())

    try:
        wait_for(check, timeout=STARTUP_TIMEOUT, what=f"{service} ready", retry_on=(OSError,))
    except TimeoutError as exc:
        spawned.stop()
        raise ServiceError(f"{exc}; its log {spawned.log_path} ends with:\n{spawned.log_tail(15)}") from None
    except ServiceError:
        spawned.stop()
        raise


class Postgres:
    """PostgreSQL initialised into ``directory/data`` by ``initdb``, serving one database and user for Airflow.

    Run as the ``postgres`` system user when we are root (PostgreSQL refuses to run as root), else as us.
    The superuser connects only over the Unix socket in ``directory/run``; TCP (127.0.0.1) needs the
    password of ``user``.
    """

    def __init__(self, directory: Path, port: int, password: str, *, bin_dir: str | None = None) -> None:
        self.directory = directory
        self.port = port
        self.password = password
        self.database = self.user = "airflow"
        self.bin_dir = Path(bin_dir) if bin_dir else None
        self.process: Spawned | None = None

    @staticmethod
    def _find_bin_dir() -> Path:
        for candidate in POSTGRES_BIN_DIRS:
            if Path(candidate, "initdb").is_file():
                return Path(candidate)
        raise ServiceError(f"PostgreSQL: no initdb found in {', '.join(POSTGRES_BIN_DIRS)}; {POSTGRES_INSTALL_HINT}")

    @property
    def url(self) -> str:
        """The SQLAlchemy URL Airflow uses (it holds the password: never print or log it)."""
        return f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    @property
    def socket_dir(self) -> Path:
        return self.directory / "run"

    def _as_owner(self, command: Sequence[str]) -> list[str]:
        """``command`` as the postgres user when we are root (``setpriv`` execs it: same PID, no PAM)."""
        if os.geteuid() != 0:
            return list(command)
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *command]

    def _binary(self, name: str) -> str:
        if self.bin_dir is None:
            self.bin_dir = self._find_bin_dir()
        path = self.bin_dir / name
        if not path.is_file():
            raise ServiceError(f"PostgreSQL: {path} does not exist; {POSTGRES_INSTALL_HINT}, or pass the bin dir")
        return str(path)

    def run(self, name: str, *args: str, timeout: float = 120) -> str:
        """A PostgreSQL client program (``psql``, ``pg_dump``...) as the owner over the socket; its stdout."""
        command = self._as_owner([self._binary(name), "-h", str(self.socket_dir), "-p", str(self.port), *args])
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise ServiceError(f"PostgreSQL: `{name}` exited {done.returncode}: {done.stderr.strip()[-1000:]}")
        return done.stdout

    def start(self) -> Postgres:
        initdb, server = self._binary("initdb"), self._binary("postgres")
        _port_or_error("PostgreSQL", self.port, "--postgres-port")
        data = self.directory / "data"
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ServiceError(f"PostgreSQL: there is no `postgres` system user; {POSTGRES_INSTALL_HINT}") from None
            for path in (self.directory, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        log = self.directory / "postgres.log"
        initdb_args = ["-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256"]
        command = self._as_owner([initdb, *initdb_args, "--encoding=UTF8", "--no-sync"])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServiceError(f"PostgreSQL: initdb into {data} failed: {done.stderr.strip()[-1000:]}")
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": "200",
            "fsync": "off",  # a throwaway database: durability buys nothing here
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        command = self._as_owner([server, "-D", str(data)]) + [f"--{k}={v}" for k, v in settings.items()]
        self.process = Spawned.start("postgres", command, env=os.environ, log_path=log)
        _started("PostgreSQL", self.process, lambda: self._ready())
        self.run("psql", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", self._setup_sql())
        self.run(
            "psql", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {self.database} OWNER airflow"
        )
        return self

    def _ready(self) -> bool:
        command = self._as_owner([self._binary("pg_isready"), "-h", str(self.socket_dir), "-p", str(self.port)])
        return subprocess.run(command, capture_output=True, check=False, timeout=10).returncode == 0

    def _setup_sql(self) -> str:
        return f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'"

    def dump(self) -> str:
        """``pg_dump`` of Airflow's database (schema and data, as SQL text)."""
        return self.run("pg_dump", "-U", "postgres", "--no-owner", self.database, timeout=300)

    def stop(self) -> None:
        """SIGINT: PostgreSQL's fast shutdown (then SIGKILL of what is left)."""
        if self.process is not None:
            self.process.stop(grace=30)
            self.process = None


class Redis:
    """``redis-server`` on 127.0.0.1 without persistence, installed with apt-get when missing and allowed."""

    def __init__(self, directory: Path, port: int, *, binary: str | None = None, install: bool = True) -> None:
        self.directory = directory
        self.port = port
        self.binary = binary
        self.install = install
        self.process: Spawned | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _find_binary(self) -> str:
        if self.binary is not None:
            if not Path(self.binary).is_file():
                raise ServiceError(f"Redis: {self.binary} does not exist; install redis-server or pass its path")
            return self.binary
        found = shutil.which("redis-server")
        if found is None and self.install:
            found = self._apt_install()
        if found is None:
            raise ServiceError("Redis: redis-server is not installed; run `apt-get install -y redis-server` as root")
        return found

    @staticmethod
    def _apt_install() -> str | None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            return None
        print("Redis: redis-server is missing; installing it with apt-get ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in ((), ("apt-get", "update")):  # the package lists may be missing or stale: update, then retry
            if step:
                subprocess.run(step, env=env, capture_output=True, check=False, timeout=600)
            done = subprocess.run(REDIS_INSTALL, env=env, capture_output=True, text=True, check=False, timeout=600)
            if done.returncode == 0:
                return shutil.which("redis-server")
        raise ServiceError(f"Redis: `{' '.join(REDIS_INSTALL)}` failed: {done.stderr.strip()[-1000:]}")

    def start(self) -> Redis:
        binary = self._find_binary()
        _port_or_error("Redis", self.port, "--redis-port")
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--daemonize", "no", "--protected-mode", "yes"]
        self.process = Spawned.start("redis", command, env=os.environ, log_path=self.directory / "redis.log")
        _started("Redis", self.process, self.ping)
        return self

    def ping(self) -> bool:
        return self.command("PING") == b"+PONG\r\n"

    def command(self, *words: str) -> bytes:
        """One inline Redis command over a fresh connection; the raw reply (bounded: 1 MiB, 10 s)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as conn:
            conn.sendall(" ".join(words).encode() + b"\r\n")
            return conn.recv(1 << 20)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.stop(grace=10)
            self.process = None
