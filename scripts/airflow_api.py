"""The few calls of Airflow's public REST API (``/api/v2``) that the scripts and e2e tests make.

No credentials: the stacks run with ``[core] simple_auth_manager_all_admins = True``, whose middleware
authorises every request as an admin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests


class AirflowApiError(RuntimeError):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]}")
        self.status = status


class AirflowApi:
    """``/api/v2`` of the API server at ``url`` (e.g. ``http://127.0.0.1:8080``)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = requests.request(
            method, f"{self.url}/api/v2/{path}", json=body, params=params or None, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise AirflowApiError(method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def health(self) -> dict[str, Any]:
        return self.call("GET", "monitor/health")

    def dag(self, dag_id: str) -> dict[str, Any]:
        return self.call("GET", f"dags/{quote(dag_id)}")

    def set_paused(self, dag_id: str, paused: bool) -> dict[str, Any]:
        return self.call("PATCH", f"dags/{quote(dag_id)}", {"is_paused": paused})

    def dag_ids(self) -> list[str]:
        return [d["dag_id"] for d in self.call("GET", "dags", limit=100)["dags"]]

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Start a manual run now; returns its run id."""
        run = self.call("POST", f"dags/{quote(dag_id)}/dagRuns", {"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.call("GET", self._run(dag_id, run_id))

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return self.call("GET", self._ti(dag_id, run_id, task_id))

    def set_task_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> dict[str, Any]:
        """What "Mark as failed / success" in the UI does."""
        return self.call("PATCH", self._ti(dag_id, run_id, task_id), {"new_state": state})

    def clear_task(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        """What "Clear" on a task instance in the UI does: the task (whatever its state) and its run run again."""
        body = {"dry_run": False, "dag_run_id": run_id, "task_ids": [task_id], "only_failed": False}
        return self.call("POST", f"dags/{quote(dag_id)}/clearTaskInstances", body)

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        """The task instance's task state store (Airflow 3.3+, the UI's Storage tab): ``{key: value}``."""
        entries = self.call("GET", f"{self._ti(dag_id, run_id, task_id)}/state-store")["task_state_store"]
        return {entry["key"]: entry["value"] for entry in entries}

    def extra_links(self, dag_id: str, run_id: str, task_id: str) -> dict[str, str | None]:
        return self.call("GET", f"{self._ti(dag_id, run_id, task_id)}/links")["extra_links"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> Any:
        """The XCom value as JSON (``deserialize=true``)."""
        entry = self.call("GET", f"{self._ti(dag_id, run_id, task_id)}/xcomEntries/{quote(key)}", deserialize="true")
        return entry["value"]

    @staticmethod
    def _run(dag_id: str, run_id: str) -> str:
        return f"dags/{quote(dag_id)}/dagRuns/{quote(run_id, safe='')}"

    def _ti(self, dag_id: str, run_id: str, task_id: str) -> str:
        return f"{self._run(dag_id, run_id)}/taskInstances/{quote(task_id)}"
