"""Clients of a running emulator: `EmulatorClient` (control API over HTTP, stdlib only) and
`EmulatorProcess` (the CLI in a subprocess, for benchmarks and out-of-process tests)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote


class EmulatorControlError(RuntimeError):
    """The control API answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"emulator control API: HTTP {status}: {message}")
        self.status = status
        self.message = message


class EmulatorClient:
    """The emulator's control API (`/_emulator/...`) at `url`, in this or another process."""

    def __init__(self, url: str, timeout: float = 30.0, verify_tls: bool = False) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._ssl: ssl.SSLContext | None = None
        if self.url.startswith("https:") and not verify_tls:
            self._ssl = ssl.create_default_context()
            self._ssl.check_hostname = False
            self._ssl.verify_mode = ssl.CERT_NONE

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            try:
                message = json.loads(text).get("error", text)
            except (ValueError, AttributeError):
                message = text
            raise EmulatorControlError(exc.code, message) from None

    def health(self) -> dict[str, Any]:
        return self.call("GET", "health")

    def wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.health()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def state(self) -> dict[str, Any]:
        return self.call("GET", "state")

    def reset(self) -> None:
        self.call("POST", "reset")

    def put_job(self, job: dict[str, Any]) -> dict[str, Any]:
        return self.call("PUT", "jobs", job)

    def patch_job(self, file_id: int, /, **fields: Any) -> dict[str, Any]:
        return self.call("PATCH", f"jobs/{file_id}", fields)

    def trigger_as(self, file_id: int, user: str | None = None) -> int:
        return self.call("POST", f"jobs/{file_id}/trigger", {} if user is None else {"user": user})["execution_id"]

    def patch_execution(self, execution_id: int, /, **fields: Any) -> dict[str, Any]:
        return self.call("PATCH", f"executions/{execution_id}", fields)

    def switches(self) -> dict[str, Any]:
        return self.call("GET", "switches")

    def set_switches(self, **knobs: Any) -> dict[str, Any]:
        return self.call("PATCH", "switches", knobs)

    def add_fault(self, **rule: Any) -> int:
        return self.call("POST", "faults", rule)["id"]

    def faults(self) -> list[dict[str, Any]]:
        return self.call("GET", "faults")

    def remove_fault(self, fault_id: int) -> None:
        self.call("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> None:
        self.call("DELETE", "faults")

    def requests(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self.call("GET", "requests" + (f"?endpoint={quote(endpoint)}" if endpoint else ""))

    def clear_requests(self) -> None:
        self.call("DELETE", "requests")

    def counters(self) -> dict[str, Any]:
        return self.call("GET", "counters")


class EmulatorProcess:
    """`python -m airflow_provider_datameer.emulator` in a subprocess on a free port; stopped by PID."""

    def __init__(
        self,
        port: int = 0,
        jobs_file: str | Path | None = None,
        extra_args: Sequence[str] = (),
        host: str = "127.0.0.1",
        startup_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.jobs_file = jobs_file
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="datameer-emulator-")
        self._port_file = Path(self._dir.name, "port")
        self._output = Path(self._dir.name, "output.log")

    @property
    def url(self) -> str:
        scheme = "https" if "--tls-cert" in self.extra_args else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def client(self) -> EmulatorClient:
        return EmulatorClient(self.url)

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def output(self) -> str:
        return self._output.read_text(encoding="utf-8", errors="replace") if self._output.exists() else ""

    def start(self) -> EmulatorProcess:
        command = [sys.executable, "-m", "airflow_provider_datameer.emulator", "--host", self.host]
        command += ["--port", str(self.port), "--port-file", str(self._port_file)]
        if self.jobs_file is not None:
            command += ["--jobs", str(self.jobs_file)]
        with open(self._output, "wb") as output:
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            self.process = subprocess.Popen(command + self.extra_args, stdout=output, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.startup_timeout
        while not (self._port_file.exists() and self._port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emulator did not start (exit code {self.process.returncode}):\n{self.output()}")
            time.sleep(0.05)
        self.port = int(self._port_file.read_text().strip())
        return self

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        self._dir.cleanup()
