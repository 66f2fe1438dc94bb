"""Helpers of the e2e tier: watching one run of example (a) through Airflow's REST API, and reading the
emulator's side of it (the readers the topology tier uses too, ``requests`` and ``rest_executions``, are in
tests/support.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from airflow_provider_datameer.emulator import EmulatorProcess
from scripts.airflow_api import AirflowApi
from scripts.processes import wait_for

DAG_ID = "example_datameer_trigger_and_wait"
TASK_ID = "run_import"
TRIGGER_CLASS = "airflow_provider_datameer.triggers.datameer.DatameerJobTrigger"
#: generous: two shared cores, other engineers' tests running; never a timing assertion
DEADLINE = 240.0


@dataclass
class RunWatch:
    """A run of example (a), or of another DAG whose task is ``run_import``; every read of ``run_import``
    records its state changes and the triggers seen."""

    api: AirflowApi
    run_id: str
    dag_id: str = DAG_ID
    states: list[str | None] = field(default_factory=list)
    deferred_views: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def start(cls, api: AirflowApi, dag_id: str = DAG_ID) -> RunWatch:
        return cls(api, api.trigger(dag_id), dag_id)

    def task(self, task_id: str = TASK_ID) -> dict[str, Any]:
        ti = self.api.task_instance(self.dag_id, self.run_id, task_id)
        if task_id == TASK_ID:
            if not self.states or self.states[-1] != ti["state"]:
                self.states.append(ti["state"])
            if ti["state"] == "deferred":
                self.deferred_views.append(ti)
        return ti

    def run_state(self) -> str:
        return self.api.dag_run(self.dag_id, self.run_id)["state"]

    def wait_deferred_and_polling(self, emulator: EmulatorProcess) -> dict[str, Any]:
        """Until run_import is deferred, its trigger is held by a triggerer and has polled Datameer at least
        once since the trigger request (so the triggerer, not the worker, is waiting). Returns the TI."""

        def ready() -> dict[str, Any] | None:
            ti = self.task()
            held = ti["state"] == "deferred" and ti.get("triggerer_job")
            return ti if held and polls_after_trigger(emulator) else None

        return wait_for(ready, timeout=DEADLINE, what=f"{TASK_ID} deferred and polled by a triggerer", interval=0.2)

    def wait_end(self) -> str:
        """Until the run is over (reading run_import's state in between); returns the run's state."""

        def ended() -> str | None:
            self.task()
            state = self.run_state()
            return state if state in ("success", "failed") else None

        return wait_for(ended, timeout=DEADLINE, what=f"run {self.run_id} over", interval=0.2)

    def xcom(self, key: str, task_id: str = TASK_ID) -> Any:
        return self.api.xcom(self.dag_id, self.run_id, task_id, key)

    def links(self) -> dict[str, str | None]:
        return self.api.extra_links(self.dag_id, self.run_id, TASK_ID)

    def task_state(self) -> dict[str, Any]:
        """``run_import``'s task state store (Airflow 3.3+; the UI's Storage tab)."""
        return self.api.task_state(self.dag_id, self.run_id, TASK_ID)

    def page(self, base_url: str) -> str:
        """``run_import``'s page in the UI (append ``/details``, ``/task-state-store``...)."""
        return f"{base_url}/dags/{self.dag_id}/runs/{quote(self.run_id, safe='')}/tasks/{TASK_ID}"


def polls_after_trigger(emulator: EmulatorProcess, since: float | None = None) -> list[dict[str, Any]]:
    """V2 status requests after the (first) trigger request, or after ``since`` (epoch seconds)."""
    log = emulator.client.requests()
    triggered = [r["time"] for r in log if r["endpoint"] == "trigger_v2"]
    if not triggered:
        return []
    after = max(triggered[0], since or 0.0)
    return [r for r in log if r["endpoint"] == "status_v2" and r["time"] > after]


def long_job(emulator: EmulatorProcess) -> None:
    """Job 48 runs ten minutes unless a test ends it (``finish``): deferral lasts as long as a test needs."""
    emulator.client.patch_job(48, run_seconds=600)


def finish(emulator: EmulatorProcess, execution_id: int) -> None:
    emulator.client.patch_execution(execution_id, finish="COMPLETED")
