"""Jobs, executions and their lifecycle, computed lazily from the clock.

No background task per job: an execution stores absolute (monotonic) phase boundaries when it is
created, and its status at any moment is a pure function of ``time.monotonic()``:

    QUEUED  [created, queue_end)  ->  WAITING_FOR_OTHER_JOB  [queue_end, wait_end)
            ->  RUNNING  [wait_end, run_end)  ->  outcome (COMPLETED | COMPLETED_WITH_WARNINGS | ERROR)

``wait_end = max(queue_end + wait_seconds, barrier)`` where ``barrier`` is when every earlier execution of
the same job has ended: a run triggered while another is active waits behind it. Stopping or finishing an
execution early moves its end to "now" and re-plans the executions queued behind it (the only O(n) step,
and only on a stop). Job fields are copied into the execution when it is created, so editing a job
affects later runs only. Wall-clock dates come from ``time.time()`` taken at creation plus monotonic offsets.

Assumptions (the reference leaves these open; see docs/datameer-api.md):
- Trigger while queued/running follows the ``trigger_while_running`` knob: queue behind (default), return
  the active execution, or fail. Sequential trigger always queues behind; with nothing active it is a
  normal trigger.
- V2 stop ends every active execution of the file (the one V2 status shows included); with nothing active
  it is a no-op (knob ``stop_when_idle``). V1 job-kill ends one execution.
- Delete (``/rest/data/{id}``) only marks the execution's result data as deleted; it stays in history.
- ``visibility_delay``: for that long after a trigger, status (V1, V2) and history still show the previous
  run (or none), mimicking the documented trigger/status race.
- A forced status (control API) replaces only the reported string; the body shape follows the real phase.
- ``configuration_ids=overlap``: configuration ids are taken from the other jobs' file ids (see
  ``_index_configurations``), so that a configuration id read as a file id names another job.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .jobs import UUID_RE, Job

QUEUED = "QUEUED"
WAITING = "WAITING_FOR_OTHER_JOB"
RUNNING = "RUNNING"
CANCELED = "CANCELED"
ACTIVE = (QUEUED, WAITING, RUNNING)
TRIGGER_REST = "RESTAPI"
TRIGGER_CONTROL = "SCHEDULER"


class Conflict(Exception):
    """The request is valid but the job's state forbids it (already running / nothing to stop)."""


@dataclass(eq=False)
class Execution:
    id: int
    job: Job  # the job as it was when this execution was created
    user: str
    trigger: str
    created: float  # monotonic
    wall0: float  # time.time() at `created`
    queue_end: float
    wait_end: float
    run_end: float
    barrier: float  # when every earlier execution of the job has ended
    visible_from: float
    outcome: str
    canceled_before_start: bool = False
    ended_early: bool = False
    forced_status: str | None = None
    forced_until: float | None = None
    data_deleted: bool = False
    next: Execution | None = field(default=None, repr=False)

    def status(self, now: float) -> str:
        """The real status from the timeline (ignores a forced status)."""
        if now >= self.run_end:
            return self.outcome
        if now >= self.wait_end:
            return RUNNING
        return QUEUED if now < self.queue_end else WAITING

    def reported_status(self, now: float) -> str:
        if self.forced_status is not None and (self.forced_until is None or now < self.forced_until):
            return self.forced_status
        return self.status(now)

    def is_active(self, now: float) -> bool:
        return now < self.run_end

    def start_mono(self, now: float) -> float | None:
        if self.canceled_before_start or now < self.wait_end:
            return None
        return self.wait_end

    def stop_mono(self, now: float) -> float | None:
        return self.run_end if now >= self.run_end else None

    def wall(self, mono: float | None) -> float | None:
        return None if mono is None else self.wall0 + (mono - self.created)

    def run_fraction(self, now: float) -> float:
        """Share of the run done at `now` (0 before start, 1 after end)."""
        start = self.start_mono(now)
        if start is None:
            return 0.0
        span = self.run_end - start
        return 1.0 if span <= 0 else min(1.0, max(0.0, (now - start) / span))

    def remaining(self, now: float) -> float:
        return max(0.0, self.run_end - now)

    def end_now(self, now: float, status: str) -> None:
        """Stop or finish an active execution now."""
        if now < self.wait_end:
            if status == CANCELED:
                self.canceled_before_start = True
            else:
                self.wait_end = now
        self.queue_end = min(self.queue_end, now)
        self.run_end = now
        self.outcome = status
        self.ended_early = True

    def to_dict(self, now: float, configuration_id: int | None = None) -> dict[str, Any]:
        """`configuration_id`: the id the server currently gives the job (default: the declared one)."""
        return {
            "id": self.id,
            "file_id": self.job.file_id,
            "configuration_id": self.job.configuration_id if configuration_id is None else configuration_id,
            "status": self.reported_status(now),
            "real_status": self.status(now),
            "forced_status": self.forced_status,
            "user": self.user,
            "trigger": self.trigger,
            "created": self.wall(self.created),
            "start": self.wall(self.start_mono(now)),
            "stop": self.wall(self.stop_mono(now)),
            "data_deleted": self.data_deleted,
        }


def _replan(first: Execution, now: float) -> None:
    """After `first` ended early, move the executions queued behind it that have not started yet."""
    barrier = max(first.barrier, first.run_end)
    ex = first.next
    while ex is not None:
        ex.barrier = barrier
        if not ex.ended_early and now < ex.wait_end:
            run_seconds = ex.run_end - ex.wait_end
            ex.wait_end = max(ex.queue_end + ex.job.wait_seconds, barrier, now)
            ex.run_end = ex.wait_end + run_seconds
        barrier = max(barrier, ex.run_end)
        ex = ex.next


class Model:
    """All jobs and executions. Single-threaded: only the server's event loop touches it."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs: dict[int, Job] = {}
        self.executions: dict[int, Execution] = {}
        self.by_job: dict[int, list[Execution]] = {}
        self._by_config: dict[int, Job] = {}
        self.overlap_ids = False  # switch configuration_ids=overlap
        self._configuration_ids: dict[int, int] = {}  # file id -> configuration id the server uses
        self._by_uuid: dict[str, Job] = {}
        self._by_path: dict[str, Job] = {}
        self._ids = itertools.count(1)
        for job in jobs:
            self.put_job(job)
        for job in jobs:
            self.seed_history(job)

    # ---- jobs -------------------------------------------------------------------------------------

    def put_job(self, job: Job) -> None:
        """Add or replace (keyed by file id); executions of the file are kept."""
        self.jobs[job.file_id] = job
        self.by_job.setdefault(job.file_id, [])
        self._index_configurations()
        self._by_uuid = {j.uuid.lower(): j for j in self.jobs.values()}
        self._by_path = {p: j for j in self.jobs.values() for p in (j.path, j.path_without_extension)}

    def set_overlapping_ids(self, overlap: bool) -> None:
        self.overlap_ids = overlap
        self._index_configurations()

    def _index_configurations(self) -> None:
        """Separate: each job's declared configuration id. Overlap: jobs sorted by file id, each takes the
        file id of the next one (the last wraps to the first), so every configuration id is the file id
        of ANOTHER job; recomputed whenever the job set changes."""
        jobs = sorted(self.jobs.values(), key=lambda j: j.file_id)
        if self.overlap_ids and len(jobs) > 1:
            ids = {job.file_id: jobs[(i + 1) % len(jobs)].file_id for i, job in enumerate(jobs)}
        else:
            ids = {job.file_id: job.configuration_id for job in jobs}
        self._configuration_ids = ids
        self._by_config = {cid: self.jobs[fid] for fid, cid in ids.items()}

    def configuration_id(self, job: Job) -> int:
        """The configuration id the server gives `job` now (switch ``configuration_ids``)."""
        return self._configuration_ids.get(job.file_id, job.configuration_id)

    def job_dicts(self) -> list[dict[str, Any]]:
        return [{**job.to_dict(), "configuration_id": self.configuration_id(job)} for job in self.jobs.values()]

    def execution_dict(self, ex: Execution, now: float) -> dict[str, Any]:
        return ex.to_dict(now, self.configuration_id(ex.job))

    def resolve(self, identifier: str) -> Job | None:
        """A decoded V2 identifier: file id (digits), uuid, or path with or without extension."""
        if identifier.isdigit():
            return self.jobs.get(int(identifier))
        if UUID_RE.match(identifier):
            return self._by_uuid.get(identifier.lower())
        return self._by_path.get(identifier)

    def job_by_config(self, configuration_id: int) -> Job | None:
        return self._by_config.get(configuration_id)

    # ---- executions -------------------------------------------------------------------------------

    def _new_execution(self, job: Job, user: str, trigger: str, now: float) -> Execution:
        runs = self.by_job[job.file_id]
        last = runs[-1] if runs else None
        barrier = max(last.barrier, last.run_end) if last else now
        queue_end = now + job.queue_seconds
        wait_end = max(queue_end + job.wait_seconds, barrier)
        ex = Execution(
            id=next(self._ids),
            job=job,
            user=user,
            trigger=trigger,
            created=now,
            wall0=time.time(),
            queue_end=queue_end,
            wait_end=wait_end,
            run_end=wait_end + job.run_seconds,
            barrier=barrier,
            visible_from=now + job.visibility_delay,
            outcome=job.outcome,
        )
        if last is not None:
            last.next = ex
        runs.append(ex)
        self.executions[ex.id] = ex
        return ex

    def seed_history(self, job: Job) -> None:
        """Create the job's seeded (already finished) runs."""
        now = time.monotonic()
        count = len(job.history)
        for i, run in enumerate(job.history):
            stop = now - float(run.get("age_seconds", 86400.0 * (count - i)))
            ex = self._new_execution(job, run.get("user", job.owner), TRIGGER_REST, now)
            ex.queue_end = ex.wait_end = stop - job.run_seconds
            ex.run_end = ex.barrier = ex.visible_from = stop
            ex.outcome = run["status"]

    def active(self, job: Job, now: float) -> list[Execution]:
        runs = self.by_job[job.file_id]
        active = []
        for ex in reversed(runs):
            if not ex.is_active(now):
                # earlier runs end no later than the barrier of this one; stop at the first finished
                # run whose barrier is also in the past.
                if ex.barrier <= now:
                    break
                continue
            active.append(ex)
        active.reverse()
        return active

    def latest_visible(self, job: Job, now: float) -> Execution | None:
        for ex in reversed(self.by_job[job.file_id]):
            if now >= ex.visible_from:
                return ex
        return None

    def history(self, job: Job, now: float) -> list[Execution]:
        """Visible executions of a job, newest first."""
        return [ex for ex in reversed(self.by_job[job.file_id]) if now >= ex.visible_from]

    def running(self, now: float) -> list[Execution]:
        out = []
        for job in self.jobs.values():
            out.extend(self.active(job, now))
        out.sort(key=lambda ex: ex.id)
        return out

    # ---- commands ---------------------------------------------------------------------------------

    def trigger(self, job: Job, user: str, mode: str, trigger: str = TRIGGER_REST) -> tuple[Execution, bool]:
        """Start a run. mode: queue | existing | fail. Returns (execution, created)."""
        now = time.monotonic()
        if mode != "queue":
            active = self.active(job, now)
            if active and mode == "existing":
                return active[-1], False
            if active:
                raise Conflict("Job is already running")
        return self._new_execution(job, user, trigger, now), True

    def stop_job(self, job: Job) -> list[Execution]:
        """Cancel every active execution of the job; returns those canceled."""
        now = time.monotonic()
        active = self.active(job, now)
        for ex in active:
            ex.end_now(now, CANCELED)
        if active:
            _replan(active[0], now)
        return active

    def end_execution(self, ex: Execution, status: str = CANCELED) -> bool:
        """Cancel (job-kill) or finish (control API) one execution; False if it had already ended."""
        now = time.monotonic()
        if not ex.is_active(now):
            return False
        ex.end_now(now, status)
        _replan(ex, now)
        return True

    def force_status(self, ex: Execution, status: str | None, seconds: float | None) -> None:
        ex.forced_status = status
        ex.forced_until = None if status is None or seconds is None else time.monotonic() + seconds

    def state(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "jobs": self.job_dicts(),
            "executions": [self.execution_dict(ex, now) for ex in self.executions.values()],
        }
