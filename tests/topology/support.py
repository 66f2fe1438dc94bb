"""Helpers of the topology tier: watching a run of a topology DAG through Airflow's REST API, and reading the
emulator's side of it (the readers the e2e tier uses too, ``requests``, ``rest_executions`` and ``STOPS``, are
in tests/support.py)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from airflow_provider_datameer.emulator import EmulatorServer
from scripts.airflow_api import AirflowApi
from scripts.processes import wait_for
from tests.support import STOPS, requests, rest_executions
from tests.topology.jobs import HELD_FILE_IDS, MAPPED_FILE_IDS

TASK_ID = "run"
FILE_IDS = {"topology_mapped": MAPPED_FILE_IDS, "topology_held": HELD_FILE_IDS}
ENDED = ("success", "failed", "upstream_failed", "skipped", "removed")
#: generous: two shared cores with other engineers' tests on them; never a timing assertion
DEADLINE = 420.0
TRIGGERS = ("trigger_v2", "trigger_v1", "sequential_trigger_v2")


TIs = dict[int, dict[str, Any]]


def holders_of(tis: TIs) -> Counter[str]:
    """How many deferred tasks each triggerer (by host name = component name) holds."""
    return Counter(
        (ti.get("triggerer_job") or {}).get("hostname") or "nobody" for ti in tis.values() if ti["state"] == "deferred"
    )


@dataclass
class MappedRun:
    """One run of a topology DAG; ``end_seen`` records when each map index was first seen ended."""

    api: AirflowApi
    dag_id: str
    run_id: str
    end_seen: dict[int, float] = field(default_factory=dict)

    @classmethod
    def start(cls, api: AirflowApi, dag_id: str) -> MappedRun:
        return cls(api, dag_id, api.trigger(dag_id))

    @property
    def file_ids(self) -> list[int]:
        return FILE_IDS[self.dag_id]

    def _tis_path(self) -> str:
        return f"dags/{quote(self.dag_id)}/dagRuns/{quote(self.run_id, safe='')}/taskInstances"

    def tis(self) -> dict[int, dict[str, Any]]:
        """The mapped task instances by map index (only those created so far)."""
        listed = self.api.call("GET", self._tis_path(), limit=200)["task_instances"]
        found = {ti["map_index"]: ti for ti in listed if ti["task_id"] == TASK_ID and ti["map_index"] >= 0}
        now = time.time()
        for index, ti in found.items():
            if ti["state"] in ENDED:
                self.end_seen.setdefault(index, now)
        return found

    def states(self) -> dict[int, str | None]:
        return {i: ti["state"] for i, ti in self.tis().items()}

    def expected(self) -> dict[int, str]:
        from tests.topology.jobs import task_state

        return {i: task_state(f) for i, f in enumerate(self.file_ids)}

    def holders(self) -> Counter[str]:
        return holders_of(self.tis())

    def wait_all_deferred(self) -> dict[int, dict[str, Any]]:
        """Until every task is deferred and held by a triggerer."""

        def held() -> dict[int, dict[str, Any]] | None:
            tis = self.tis()
            ok = len(tis) == len(self.file_ids) and all(
                ti["state"] == "deferred" and ti.get("triggerer_job") for ti in tis.values()
            )
            return tis if ok else None

        return wait_for(held, timeout=DEADLINE, what=f"all {self.dag_id} tasks deferred and held", interval=1.0)

    def wait_end(self, observe: Callable[[TIs], object] | None = None) -> dict[int, str | None]:
        """Until every task has ended; returns their states by map index. ``observe`` sees every read."""

        def ended() -> dict[int, str | None] | None:
            tis = self.tis()
            if observe is not None:
                observe(tis)
            states = {i: ti["state"] for i, ti in tis.items()}
            done = len(states) == len(self.file_ids) and all(s in ENDED for s in states.values())
            return states if done else None

        return wait_for(ended, timeout=DEADLINE, what=f"every {self.dag_id} task ended", interval=1.0)

    def set_state(self, map_index: int, state: str) -> dict[str, Any]:
        """What "Mark as failed / success" in the UI does, for one mapped task."""
        return self.api.call("PATCH", f"{self._tis_path()}/{TASK_ID}/{map_index}", {"new_state": state})

    def tries(self) -> dict[int, int]:
        return {i: ti["try_number"] for i, ti in self.tis().items()}


def trigger_counts(emulator: EmulatorServer) -> Counter[str]:
    """Trigger requests per job identifier (as sent: the file id)."""
    return Counter(str(r["job"]) for r in requests(emulator, *TRIGGERS))


def finish_all(emulator: EmulatorServer, outcome_of: Any) -> None:
    """End every running REST execution with ``outcome_of(file_id)`` (control API)."""
    for execution in rest_executions(emulator):
        if execution["status"] in ("QUEUED", "RUNNING", "WAITING_FOR_OTHER_JOB"):
            emulator.client.patch_execution(execution["id"], finish=outcome_of(execution["file_id"]))


def hold_mapped_jobs(emulator: EmulatorServer) -> None:
    """Make the mapped jobs run until a test ends them (``finish_all``)."""
    for file_id in MAPPED_FILE_IDS:
        emulator.client.patch_job(file_id, run_seconds=3600)


def assert_datameer_clean(emulator: EmulatorServer, file_ids: list[int], *, stopped: tuple[int, ...] = ()) -> None:
    """One trigger request per job, stops only for ``stopped``, and no run of these jobs left running."""
    assert trigger_counts(emulator) == Counter(str(f) for f in file_ids)
    assert sorted(int(r["job"]) for r in requests(emulator, *STOPS)) == sorted(stopped)
    running = [e for e in rest_executions(emulator) if e["status"] in ("QUEUED", "RUNNING", "WAITING_FOR_OTHER_JOB")]
    assert running == []
    assert len(rest_executions(emulator)) == len(file_ids), "a run was started twice"
