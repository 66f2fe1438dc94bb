"""Waiting for one Datameer execution: the decisions, with no I/O and no clock of their own.

:class:`ExecutionWatch` says which request to make next (:meth:`~ExecutionWatch.next_request`), takes what
came back (:meth:`~ExecutionWatch.take`) and answers with a :class:`~airflow_provider_datameer.core.verdict.Verdict`
once the wait is over. :mod:`airflow_provider_datameer.core.procedures` wraps it into the wait procedure that
poke mode, the worker wait and the triggerer all run.

Rules (docs/datameer-api.md and docs/operators.md, "How Datameer statuses end a task"):

- Pinning: the job's status describes its latest execution. An older id than ours means ours is not
  visible yet; a newer one means ours is read from job details from then on. A stale terminal status never
  ends the wait.
- Ownership before outcome: an outcome is believed only for an execution that is the job's own: returned
  by its trigger, or shown by its status. An execution handed in by a user that the job never showed is
  refused when the job never ran, read with a warning when the job has moved past it, and refused when its
  details name another job. A job whose status forgets an execution we saw (Datameer lost its state) fails.
- ``_NONE`` ("no execution yet") is pending for a grace period. Transient errors are tolerated for a bounded
  run of polls; authentication, not-found and malformed answers end the wait at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow_provider_datameer.core.endpoints import GENERATIONS, Endpoint, Request, details_request
from airflow_provider_datameer.core.errors import DatameerTransientError, clip
from airflow_provider_datameer.core.models import ExecutionStatus, JobDetails
from airflow_provider_datameer.core.status import PENDING_STATES, TERMINAL_STATES, DatameerJobStatus, is_success
from airflow_provider_datameer.core.values import whole_number
from airflow_provider_datameer.core.verdict import Verdict, WaitEnd, iso
from airflow_provider_datameer.core.wait_settings import WaitSettings

#: Estimates longer than this are not trusted for scheduling (a week).
MAX_TRUSTED_ESTIMATE = 7 * 24 * 3600.0
#: Poll this long after the estimated end, so a rounded estimate does not make us early.
ESTIMATE_MARGIN = 0.5
#: A running execution's progress line is logged at INFO each time its progress crosses a step of this many
#: percentage points, and at least every PROGRESS_QUIET_SECONDS; polls in between log it at DEBUG.
PROGRESS_STEP = 10.0
PROGRESS_QUIET_SECONDS = 300.0
#: Waits after the first polls that find a run QUEUED (or waiting for another job) with no estimate, before the
#: poll interval takes over (within ``min_poll_interval`` and ``poll_interval``): a job that ends seconds after it
#: left the queue is noticed seconds after, not an interval after. The run's first RUNNING status ends them.
YOUNG_RUN_DELAYS = (1.0, 2.0, 4.0, 8.0)


class ExecutionWatch:
    """The state of one wait: which execution, whether it is known to be the job's, what was seen last.

    :param settings: the wait's settings (job, execution, ownership, grace, error budget, API generation).
    :param until_terminal: any terminal status ends the wait as ``success`` (waiting for a stop to take
        effect), instead of only the successful ones.
    """

    def __init__(self, settings: WaitSettings, *, until_terminal: bool = False, log: Any = None) -> None:
        self.settings = settings
        self.generation = GENERATIONS[settings.api_version]
        self.job_id = str(settings.job_id)
        self.execution_id = settings.execution_id
        self.owned = settings.execution_owned or settings.execution_id is None
        self.until_terminal = until_terminal
        self.waiting_since = settings.started
        self.log = log or logging.getLogger(__name__)
        self.consecutive_errors = 0
        self.read_from_details = False
        self.last_status: ExecutionStatus | None = None
        self.file_id: int | None = None
        self._seen = False
        self._warned_unverified = False
        self._details_read = True
        self._early_polls_left = 2
        self._queued_polls = 0  # polls that found our run queued from the first, while YOUNG_RUN_DELAYS last
        self._estimate_due: float | None = None
        self._progress_key: tuple[Any, ...] | None = None
        self._progress_logged_at = 0.0

    @property
    def details_due(self) -> bool:
        """A newer execution hides ours: its job details are to be read now, without waiting."""
        return self.read_from_details and not self._details_read

    def next_request(self, endpoints: Mapping[str, Endpoint]) -> Request:
        """The request of the next poll: the job's status, or our execution's details once it is hidden."""
        if self.read_from_details and self.execution_id is not None:
            return details_request(endpoints, self.execution_id)
        return self.generation.status_request(endpoints, self.settings.job_id)

    def take(self, answer: ExecutionStatus | JobDetails | Exception, now: float) -> Verdict | None:
        """Take a poll's result or error; return the verdict once the wait is over, else ``None``."""
        if isinstance(answer, Exception):
            return self._failed(answer)
        self.consecutive_errors = 0
        if isinstance(answer, JobDetails):
            return self._observe_details(answer, now)
        return self._observe_status(answer, now)

    def error(self, message: str) -> Verdict:
        """End the wait with an error the watch did not see itself (e.g. a broken connection)."""
        return self._verdict(WaitEnd.ERROR, None, message)

    def timed_out(self, timeout_description: str) -> Verdict:
        seen = self.last_status.status if self.last_status else None
        return self._verdict(WaitEnd.TIMEOUT, seen, f"Timed out {timeout_description} waiting for {self.what}")

    def delay(self, poll_interval: float, now: float, *, floor: float = 1.0) -> float:
        """Seconds until the next poll: 0 when job details are due at once, else the interval, shortened to
        the server's estimated end of a running job when that estimate is plausible (adaptive polling), or
        to :data:`YOUNG_RUN_DELAYS` while a new run is still queued. An estimate is not trusted again once a
        poll at its due time found the job still running.
        """
        if self.details_due:
            return 0.0
        if 0 < self._queued_polls <= len(YOUNG_RUN_DELAYS):
            return min(poll_interval, max(floor, YOUNG_RUN_DELAYS[self._queued_polls - 1]))
        due = self._estimate_due
        if due is None or self._early_polls_left <= 0:
            return poll_interval
        return min(poll_interval, max(floor, due - now))

    @property
    def what(self) -> str:
        if self.execution_id is None:
            return f"Datameer job {self.job_id}"
        return f"Datameer job {self.job_id} execution {self.execution_id}"

    # ------------------------------------------------------------------------------------------ errors
    def _failed(self, exc: Exception) -> Verdict | None:
        """Transient failures are tolerated up to ``max_consecutive_errors`` in a row; others end the wait."""
        if not isinstance(exc, DatameerTransientError):
            return self._verdict(WaitEnd.ERROR, None, f"Cannot check Datameer job {self.job_id}: {exc}")
        self.consecutive_errors += 1
        budget = self.settings.max_consecutive_errors
        if self.consecutive_errors < budget:
            self.log.warning(
                "Datameer poll %d of %d allowed in a row failed, will retry: %s", self.consecutive_errors, budget, exc
            )
            return None
        return self._verdict(
            WaitEnd.ERROR,
            None,
            f"Datameer was unreachable or failing for {self.consecutive_errors} polls in a row; last error: {exc}",
        )

    # ------------------------------------------------------------------------------------------ status
    def _observe_status(self, status: ExecutionStatus, now: float) -> Verdict | None:
        self.last_status = status
        self.file_id = status.file_id or self.file_id
        latest = status.execution_id
        if latest is None or status.status is DatameerJobStatus.NONE:
            return self._no_execution(now)
        if self.execution_id is None:
            self.execution_id = latest
            self.log.info("Waiting for %s", self.what)
        if latest == self.execution_id:
            self._seen = self.owned = True
            return self._judge(status.status, status.raw_status, status, None, now)
        if latest < self.execution_id:
            return self._ours_not_shown(latest, now)
        self.log.info(
            "%s: a newer execution %s started; reading execution %s from job details",
            f"Datameer job {self.job_id}",
            latest,
            self.execution_id,
        )
        self._switch_to_details()
        return None

    def _no_execution(self, now: float) -> Verdict | None:
        """The job's status says it never ran."""
        if self._seen:
            return self._lost(DatameerJobStatus.NONE, "its status now says it has never run")
        if not self._grace_over(now):
            return None
        if self.execution_id is None:
            return self._verdict(
                WaitEnd.ERROR,
                DatameerJobStatus.NONE,
                f"No execution of Datameer job {self.job_id} appeared within {self.settings.no_execution_grace:g} s",
            )
        if not self.owned:
            return self._verdict(
                WaitEnd.ERROR,
                DatameerJobStatus.NONE,
                f"Datameer job {self.job_id} has never run, so execution {self.execution_id} is not one of its "
                f"executions: check that job_id and execution_id name the same job",
            )
        self._switch_to_details()  # ours was returned by the trigger and is not visible yet: read it directly
        return None

    def _ours_not_shown(self, latest: int, now: float) -> Verdict | None:
        """The job's latest execution is older than ours."""
        if self._seen:
            return self._lost(None, f"its latest execution is now {latest}")
        if not self._grace_over(now):
            return None
        if self.owned:
            self._switch_to_details()
            return None
        return self._verdict(
            WaitEnd.ERROR,
            None,
            f"Datameer job {self.job_id}'s latest execution is {latest}; execution {self.execution_id} did not "
            f"appear in its status within {self.settings.no_execution_grace:g} s, so it is not one of the job's "
            "executions as far as Datameer shows: check that job_id and execution_id name the same job",
        )

    def _lost(self, job_status: DatameerJobStatus | None, why: str) -> Verdict:
        return self._verdict(
            WaitEnd.ERROR,
            job_status,
            f"Datameer no longer knows execution {self.execution_id} of job {self.job_id}: {why} (was Datameer "
            "restarted or its job history cleared?). Its outcome is unknown; check the job in Datameer.",
        )

    # ------------------------------------------------------------------------------------------ details
    def _observe_details(self, details: JobDetails, now: float) -> Verdict | None:
        refusal = self._details_name_another_job(details)
        if refusal is not None:
            return refusal
        if not self.owned and not self._warned_unverified:
            self._warned_unverified = True
            self.log.warning(
                "Datameer could not verify that execution %s belongs to job %s: the job's status never showed it "
                "and its details do not name the job. Reading its outcome anyway; pass the execution id of a run "
                "of this job (e.g. the trigger task's XCom) to avoid this.",
                self.execution_id,
                self.job_id,
            )
        return self._judge(details.status, details.raw_status, None, details, now)

    def _details_name_another_job(self, details: JobDetails) -> Verdict | None:
        if self.settings.api_version == 1:
            named, ours, kind = details.configuration_id, whole_number(self.job_id), "configuration"
        else:
            named, ours, kind = details.file_id, self.file_id or whole_number(self.job_id), "file"
        if named is None or ours is None or named == ours:
            return None
        return self._verdict(
            WaitEnd.ERROR,
            None,
            f"Datameer execution {self.execution_id} belongs to {kind} {named}, not to job {self.job_id} "
            f"({kind} {ours}): check that job_id and execution_id name the same job",
        )

    # ------------------------------------------------------------------------------------------ judging
    def _switch_to_details(self) -> None:
        self.read_from_details = True
        self._details_read = False

    def _grace_over(self, now: float) -> bool:
        grace = self.settings.no_execution_grace
        return grace is not None and now - self.waiting_since >= grace

    def _judge(
        self,
        status: DatameerJobStatus,
        raw: str | None,
        seen: ExecutionStatus | None,
        details: JobDetails | None,
        now: float,
    ) -> Verdict | None:
        self._details_read = True
        if status in TERMINAL_STATES:
            return self._ended(status, seen, details)
        if status in PENDING_STATES:
            self._note_progress(status, seen, now)
        else:
            self.log.warning(
                "Datameer reported unknown status %r for %s; still waiting", clip(raw or status.value), self.what
            )
        return None

    def _ended(self, status: DatameerJobStatus, seen: ExecutionStatus | None, details: JobDetails | None) -> Verdict:
        passed = self.until_terminal or is_success(status, fail_on_warnings=self.settings.fail_on_warnings)
        policy = (
            " (fail_on_warnings=True)" if status is DatameerJobStatus.COMPLETED_WITH_WARNINGS and not passed else ""
        )
        source = seen or details
        return Verdict(
            WaitEnd.SUCCESS if passed else WaitEnd.ERROR,
            self.job_id,
            self.execution_id,
            status,
            f"{self.what} ended {status.value}{policy}",
            file_id=seen.file_id if seen else self.file_id,
            start_time=iso(source.start_time if source else None),
            stop_time=iso(source.stop_time if source else None),
        )

    def _note_progress(self, status: DatameerJobStatus, seen: ExecutionStatus | None, now: float) -> None:
        self._log_progress(status, seen, now)
        self._note_queue(status, seen)
        if seen is None or status is not DatameerJobStatus.RUNNING:
            return
        if self._estimate_due is not None and now >= self._estimate_due:
            self._early_polls_left -= 1  # we came at the estimated end and it is still running
        estimate = seen.estimate_seconds
        if estimate is not None and 0 < estimate <= MAX_TRUSTED_ESTIMATE and self._early_polls_left > 0:
            self._estimate_due = now + estimate + ESTIMATE_MARGIN
        else:
            self._estimate_due = None

    def _note_queue(self, status: DatameerJobStatus, seen: ExecutionStatus | None) -> None:
        """Count the polls that found our run queued without an estimate from the first one on; any other
        sight (running, an estimate, job details) ends the count for good."""
        if self._queued_polls > len(YOUNG_RUN_DELAYS):
            return
        queued = seen is not None and status is not DatameerJobStatus.RUNNING and seen.estimate_seconds is None
        self._queued_polls = self._queued_polls + 1 if queued else len(YOUNG_RUN_DELAYS) + 1

    def _log_progress(self, status: DatameerJobStatus, seen: ExecutionStatus | None, now: float) -> None:
        """The progress line: at INFO when the status or execution changed, progress crossed a
        :data:`PROGRESS_STEP`, or :data:`PROGRESS_QUIET_SECONDS` passed; at DEBUG on every other poll. A triggerer
        forwards and stores every INFO line of every trigger, which made this line most of our cost there (P5)."""
        progress = seen.progress if seen is not None and status is DatameerJobStatus.RUNNING else None
        step = None if progress is None else int(progress // PROGRESS_STEP)
        key = (self.execution_id, status, step)
        news = key != self._progress_key or now - self._progress_logged_at >= PROGRESS_QUIET_SECONDS
        log = self.log.info if news else self.log.debug
        if news:
            self._progress_key, self._progress_logged_at = key, now
        if seen is None or status is not DatameerJobStatus.RUNNING:
            log("%s is %s", self.what, status.value)
            return
        parts = [f"{self.what} is RUNNING"]
        if progress is not None:
            parts.append(f"{progress:g}% done")
        if seen.estimate_seconds is not None:
            parts.append(f"about {seen.estimate_seconds:g} s left")
        log(", ".join(parts))

    def _verdict(self, end: WaitEnd, job_status: DatameerJobStatus | None, message: str) -> Verdict:
        return Verdict(end, self.job_id, self.execution_id, job_status, message, file_id=self.file_id)
