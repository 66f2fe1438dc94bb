"""Waiting for one Datameer execution: the single decision procedure of the sensor, trigger and operator.

:class:`ExecutionWatch` is sans-I/O. It says which request to make next (:meth:`ExecutionWatch.next_request`),
takes the result (:meth:`~ExecutionWatch.observe`) or the error (:meth:`~ExecutionWatch.fail`), and answers
with a :class:`Verdict` once the wait is over. Poke mode, the worker-side wait and the triggerer drive the
same object through :func:`poll_once` (blocking) or :func:`apoll_once` (async), so they decide alike.

Rules (docs/datameer-api.md): a status for an older execution than the pinned one means ours is not visible yet; a
newer one means ours is read from job details from then on; a stale terminal status never ends the wait.
``_NONE`` is pending for a grace period. Transient errors are tolerated for a bounded run of polls;
authentication, not-found and malformed answers end the wait at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

from airflow_provider_datameer.errors import DatameerError, DatameerTransientError
from airflow_provider_datameer.models import ExecutionStatus, JobDetails
from airflow_provider_datameer.status import (
    PENDING_STATES,
    TERMINAL_STATES,
    DatameerJobStatus,
    is_success,
)

#: Estimates longer than this are not trusted for scheduling (a week).
MAX_TRUSTED_ESTIMATE = 7 * 24 * 3600.0
#: Poll this long after the estimated end, so a rounded estimate does not make us early.
ESTIMATE_MARGIN = 0.5


@dataclass(frozen=True)
class Verdict:
    """How a wait ended. ``status`` is ``"success"``, ``"error"`` or ``"timeout"`` (the trigger event keys)."""

    status: str
    job_id: str
    execution_id: int | None
    job_status: str | None
    message: str
    file_id: int | None = None
    start_time: str | None = None
    stop_time: str | None = None

    def to_event(self) -> dict[str, Any]:
        """JSON-safe payload for a ``TriggerEvent``."""
        return asdict(self)

    @classmethod
    def from_event(cls, event: object) -> Verdict:
        """Validate a trigger event; a malformed one becomes an ``error`` verdict that says so."""
        if not isinstance(event, dict) or event.get("status") not in ("success", "error", "timeout"):
            return cls("error", "?", None, None, f"Datameer trigger sent a malformed event: {event!r}")
        fields = {name: event.get(name) for name in cls.__dataclass_fields__}
        fields.update(job_id=str(fields["job_id"]), message=str(fields["message"] or ""))
        return cls(**fields)  # type: ignore[arg-type]


class ExecutionWatch:
    """The state of one wait: which execution, how many polls failed in a row, what was seen last.

    :param job_id: the file id, uuid or path polled with V2 status.
    :param execution_id: the execution to wait for; ``None`` pins the first execution seen.
    :param fail_on_warnings: ``COMPLETED_WITH_WARNINGS`` fails instead of passing.
    :param no_execution_grace: seconds that "no execution (yet)" stays pending; ``None`` waits forever.
    :param max_consecutive_errors: failed polls in a row (after the hook's own retries) before giving up.
    :param waiting_since: epoch seconds when the wait began (kept across triggerer restarts).
    """

    def __init__(
        self,
        job_id: int | str,
        execution_id: int | None = None,
        *,
        fail_on_warnings: bool = False,
        no_execution_grace: float | None = 120.0,
        max_consecutive_errors: int = 5,
        waiting_since: float | None = None,
        log: Any = None,
    ) -> None:
        self.job_id = str(job_id)
        self.execution_id = execution_id
        self.fail_on_warnings = fail_on_warnings
        self.no_execution_grace = no_execution_grace
        self.max_consecutive_errors = max_consecutive_errors
        self.waiting_since = time.time() if waiting_since is None else waiting_since
        self.log = log or logging.getLogger(__name__)
        self.consecutive_errors = 0
        self.read_from_details = False
        self.last_status: ExecutionStatus | None = None
        self._details_read = True
        self._early_polls_left = 2
        self._estimate_due: float | None = None

    @property
    def details_due(self) -> bool:
        """A newer execution hides ours: its job details are to be read now, without waiting."""
        return self.read_from_details and not self._details_read

    # ------------------------------------------------------------------------------------------ requests
    def next_request(self) -> tuple[str, int | str]:
        """The hook method (sync name) and argument of the next poll."""
        if self.read_from_details and self.execution_id is not None:
            return "get_job_details", self.execution_id
        return "get_job_status", self.job_id

    def take(self, outcome: ExecutionStatus | JobDetails | Exception, now: float | None = None) -> Verdict | None:
        """Take a poll's result or error; return the verdict once the wait is over, else ``None``."""
        if isinstance(outcome, Exception):
            return self.fail(outcome, now)
        return self.observe(outcome, now)

    def observe(self, result: ExecutionStatus | JobDetails, now: float | None = None) -> Verdict | None:
        """Take a poll result; return the verdict once the wait is over, else ``None``."""
        now = time.time() if now is None else now
        self.consecutive_errors = 0
        if isinstance(result, JobDetails):
            return self._judge(result.status, result.raw_status, None, result, now)
        return self._observe_status(result, now)

    def fail(self, exc: Exception, now: float | None = None) -> Verdict | None:
        """Take a failed poll. Transient failures are tolerated up to ``max_consecutive_errors`` in a row."""
        if isinstance(exc, DatameerTransientError):
            self.consecutive_errors += 1
            if self.consecutive_errors < self.max_consecutive_errors:
                self.log.warning(
                    "Datameer poll %d of %d allowed in a row failed, will retry: %s",
                    self.consecutive_errors,
                    self.max_consecutive_errors,
                    exc,
                )
                return None
            return self._verdict(
                "error",
                None,
                f"Datameer was unreachable or failing for {self.consecutive_errors} polls in a row; last error: {exc}",
            )
        return self._verdict("error", None, f"Cannot check Datameer job {self.job_id}: {exc}")

    def timed_out(self, timeout_description: str) -> Verdict:
        seen = self.last_status.status.value if self.last_status else None
        return self._verdict("timeout", seen, f"Timed out {timeout_description} waiting for {self._what()}")

    # ------------------------------------------------------------------------------------------ scheduling
    def delay(self, poll_interval: float, now: float | None = None, *, floor: float = 1.0) -> float:
        """Seconds until the next poll: 0 when job details are due at once, else the interval, shortened to
        the server's estimated end of a running job when that estimate is plausible (adaptive polling).
        An estimate is not trusted again once a poll at its due time found the job still running.
        """
        now = time.time() if now is None else now
        if self.details_due:
            return 0.0
        due = self._estimate_due
        if due is None or self._early_polls_left <= 0:
            return poll_interval
        return min(poll_interval, max(floor, due - now))

    # ------------------------------------------------------------------------------------------ internals
    def _observe_status(self, status: ExecutionStatus, now: float) -> Verdict | None:
        self.last_status = status
        if status.execution_id is None or status.status is DatameerJobStatus.NONE:
            return self._no_execution(now)
        if self.execution_id is None:
            self.execution_id = status.execution_id
            self.log.info("Waiting for Datameer job %s execution %s", self.job_id, self.execution_id)
        if status.execution_id < self.execution_id:
            if self._grace_over(now):
                self._switch_to_details()
            return None
        if status.execution_id > self.execution_id:
            self.log.info(
                "Datameer job %s: a newer execution %s started; reading execution %s from job details",
                self.job_id,
                status.execution_id,
                self.execution_id,
            )
            self._switch_to_details()
            return None
        return self._judge(status.status, status.raw_status, status, None, now)

    def _switch_to_details(self) -> None:
        self.read_from_details = True
        self._details_read = False

    def _no_execution(self, now: float) -> Verdict | None:
        if not self._grace_over(now):
            return None
        if self.execution_id is not None:
            self._switch_to_details()
            return None
        return self._verdict(
            "error",
            DatameerJobStatus.NONE.value,
            f"No execution of Datameer job {self.job_id} appeared within {self.no_execution_grace:g} s",
        )

    def _grace_over(self, now: float) -> bool:
        return self.no_execution_grace is not None and now - self.waiting_since >= self.no_execution_grace

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
            outcome = "success" if is_success(status, fail_on_warnings=self.fail_on_warnings) else "error"
            policy = " (fail_on_warnings=True)" if status is DatameerJobStatus.COMPLETED_WITH_WARNINGS else ""
            source = seen or details
            return Verdict(
                outcome,
                self.job_id,
                self.execution_id,
                status.value,
                f"{self._what()} ended {status.value}{policy if outcome == 'error' else ''}",
                file_id=seen.file_id if seen else None,
                start_time=iso(source.start_time if source else None),
                stop_time=iso(source.stop_time if source else None),
            )
        if status in PENDING_STATES:
            self._note_progress(status, seen, now)
        else:
            self.log.warning(
                "Datameer reported unknown status %r for %s; still waiting", raw or status.value, self._what()
            )
        return None

    def _note_progress(self, status: DatameerJobStatus, seen: ExecutionStatus | None, now: float) -> None:
        if seen is None or status is not DatameerJobStatus.RUNNING:
            self.log.info("%s is %s", self._what(), status.value)
            return
        parts = [f"{self._what()} is RUNNING"]
        if seen.progress is not None:
            parts.append(f"{seen.progress:g}% done")
        if seen.estimate_seconds is not None:
            parts.append(f"about {seen.estimate_seconds:g} s left")
        self.log.info(", ".join(parts))
        if self._estimate_due is not None and now >= self._estimate_due:
            self._early_polls_left -= 1  # we came at the estimated end and it is still running
        estimate = seen.estimate_seconds
        if estimate is not None and 0 < estimate <= MAX_TRUSTED_ESTIMATE and self._early_polls_left > 0:
            self._estimate_due = now + estimate + ESTIMATE_MARGIN
        else:
            self._estimate_due = None

    def _what(self) -> str:
        if self.execution_id is None:
            return f"Datameer job {self.job_id}"
        return f"Datameer job {self.job_id} execution {self.execution_id}"

    def _verdict(self, outcome: str, job_status: str | None, message: str) -> Verdict:
        return Verdict(outcome, self.job_id, self.execution_id, job_status, message)


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def poll_once(hook: Any, watch: ExecutionWatch) -> Verdict | None:
    """One blocking poll (plus the job-details read it may call for at once)."""
    while True:
        name, argument = watch.next_request()
        try:
            outcome = getattr(hook, name)(argument)
        except (DatameerError, ValueError) as exc:
            outcome = exc
        verdict = watch.take(outcome)
        if verdict is not None or not watch.details_due or watch.consecutive_errors:
            return verdict


async def apoll_once(hook: Any, watch: ExecutionWatch) -> Verdict | None:
    """The async twin of :func:`poll_once`, through the hook's ``a…`` methods."""
    while True:
        name, argument = watch.next_request()
        try:
            outcome = await getattr(hook, f"a{name}")(argument)
        except (DatameerError, ValueError) as exc:
            outcome = exc
        verdict = watch.take(outcome)
        if verdict is not None or not watch.details_due or watch.consecutive_errors:
            return verdict


def stop_request(job_id: int | str, execution_id: int | None, latest: ExecutionStatus | None) -> tuple[str, Any] | None:
    """Which stop command ends *our* execution, given the job's latest status (``None``: nothing to stop).

    V2 stop acts on the file's current run, so it is used only when that run is ours (or unknown); when a
    newer run hides ours, V1 job-kill stops ours by execution id instead.
    """
    if latest is not None and latest.execution_id == execution_id and latest.status in TERMINAL_STATES:
        return None
    if execution_id is not None and latest is not None and latest.execution_id not in (None, execution_id):
        return "stop_job_v1", execution_id
    return "stop_job", job_id
