"""Everything one emulator instance remembers: model, knobs, fault rules, users, sessions, request log.

It outlives the HTTP server (``EmulatorServer.stop()``/``start()`` keep it) and goes back to its
start-up content on ``reset()``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from .faults import Faults
from .jobs import Job, check_unique
from .model import Model
from .routing import DEFAULT_ROUTES, Router
from .switches import DEFAULT_SWITCHES, validate_switches

COMMANDS = tuple(DEFAULT_ROUTES)  # every Datameer command the emulator answers
DEFAULT_USERS = {"admin": "admin", "analyst": "analyst"}
LOG_SIZE = 200_000


class EmulatorState:
    def __init__(
        self,
        jobs: Iterable[Job],
        switches: Mapping[str, Any] | None = None,
        users: Mapping[str, str] | None = None,
        faults: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self._initial_jobs = list(jobs)
        check_unique(self._initial_jobs, lambda i: f"jobs[{i}]")
        self._initial_switches = {**DEFAULT_SWITCHES, **validate_switches(switches or {})}
        self.users: dict[str, str] = dict(DEFAULT_USERS if users is None else users)
        self.started = time.time()
        self.reset()
        for rule in faults:
            self.faults.add(rule)

    def reset(self) -> None:
        self.switches: dict[str, Any] = dict(self._initial_switches)
        self.model = Model(self._initial_jobs)
        self.model.set_overlapping_ids(self.switches["configuration_ids"] == "overlap")
        self.router = Router(self.switches["routes"])
        self.faults = Faults(COMMANDS, seed=self.switches["seed"])
        self.sessions: dict[str, str] = {}
        self.clear_requests()

    def set_switches(self, values: Mapping[str, Any]) -> dict[str, Any]:
        changes = validate_switches(values)
        self.switches.update(changes)
        if "seed" in changes:
            self.faults.reseed(changes["seed"])
        if "routes" in changes:
            self.router = Router(changes["routes"])
        if "configuration_ids" in changes:
            self.model.set_overlapping_ids(changes["configuration_ids"] == "overlap")
        return self.switches

    def put_job(self, job: Job) -> None:
        """Add or replace a job, refusing ids/uuid/path that another job already uses."""
        others = [j for j in self.model.jobs.values() if j.file_id != job.file_id]
        check_unique([*others, job], lambda i: "job" if i == len(others) else f"job with file_id {others[i].file_id}")
        is_new = not self.model.by_job.get(job.file_id)
        self.model.put_job(job)
        if is_new:
            self.model.seed_history(job)

    # ---- request log ------------------------------------------------------------------------------

    def clear_requests(self) -> None:
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.total = 0
        self.by_endpoint: dict[str, int] = {}
        self.by_status: dict[str, int] = {}

    def record(
        self, method: str, path: str, endpoint: str | None, job: str | None, status: int | str, user: str | None
    ) -> None:
        self.log.append(
            {
                "time": time.time(),
                "method": method,
                "path": path,
                "endpoint": endpoint,
                "job": job,
                "status": status,
                "user": user,
            }
        )
        self.total += 1
        key = endpoint or "unknown"
        self.by_endpoint[key] = self.by_endpoint.get(key, 0) + 1
        skey = str(status)
        self.by_status[skey] = self.by_status.get(skey, 0) + 1

    def counters(self) -> dict[str, Any]:
        return {"total": self.total, "by_endpoint": dict(self.by_endpoint), "by_status": dict(self.by_status)}

    def snapshot(self) -> dict[str, Any]:
        return {
            **self.model.state(),
            "switches": dict(self.switches),
            "faults": [rule.to_dict() for rule in self.faults.rules],
        }
