"""Which executions of a watched job have newly ended: the decisions of an event watch, with no I/O.

A watch (:class:`~airflow_provider_datameer.triggers.completions.DatameerJobCompletedTrigger`) polls a listing
of the job's executions and fires one event per execution that ends after the watch first started. What it has
already decided is a :class:`Watermark`: every execution id up to ``through`` is decided (fired, or ended before
the watch, or ended with a status nobody watches) except the ``open`` ones, seen while still pending. Datameer's
execution ids grow across all jobs, so ids above ``through`` that a listing shows are new to the watch.

The watermark is small JSON (:meth:`Watermark.to_state`), kept by Airflow 3.3's asset state store between
triggerer restarts. :func:`decide` orders the events by execution id and gives, with each, the watermark to
keep once that event has gone out, so a watch cut short after any event resumes without repeating or skipping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_datameer.core.models import ExecutionStatus, HistoryEntry, JobDetails
from airflow_provider_datameer.core.status import SUCCESS_STATES, TERMINAL_STATES, DatameerJobStatus
from airflow_provider_datameer.core.values import whole_number
from airflow_provider_datameer.core.verdict import iso

#: The statuses a watch fires for unless told otherwise: the runs that produced data.
DEFAULT_STATUSES: tuple[DatameerJobStatus, ...] = tuple(sorted(SUCCESS_STATES, key=lambda s: s.value))
#: Pending executions a watermark remembers; beyond that the oldest are given up (and the watch says so).
MAX_OPEN = 100
#: The watermark's version in the state store: a value of another shape is not trusted.
STATE_VERSION = 1


def check_statuses(value: object) -> tuple[DatameerJobStatus, ...]:
    """``statuses`` as sorted terminal statuses (any spelling Datameer uses); ``ValueError`` naming the problem."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        raise ValueError(f"statuses must be a list of Datameer job statuses, got {value!r}")
    chosen = {DatameerJobStatus.from_raw(item) for item in items}
    wrong = chosen - TERMINAL_STATES
    if wrong or not chosen:
        allowed = ", ".join(sorted(s.value for s in TERMINAL_STATES))
        raise ValueError(f"statuses must name one or more of {allowed}, got {value!r}")
    return tuple(sorted(chosen, key=lambda s: s.value))


def check_job_ref(value: object) -> int | str:
    """A watched job as the kwargs keep it: a whole number for digits (``"48"`` and ``48`` are one watch),
    else the stripped text (uuid or path); ``ValueError`` for anything else."""
    number = whole_number(value)
    if number is not None and number >= 0:
        return number
    if isinstance(value, str) and value.strip() and not isinstance(value, bool):
        return value.strip()
    raise ValueError(f"job_id must be a file id, uuid or path (api_version=2) or a configuration id, got {value!r}")


@dataclass(frozen=True)
class Watermark:
    """What a watch has decided: ids up to ``through``, except the ``open`` (pending when last seen) ones."""

    through: int
    open: tuple[int, ...] = ()

    def undecided(self, execution_id: int) -> bool:
        return execution_id > self.through or execution_id in self.open

    def seen(self, entry: HistoryEntry) -> Watermark:
        """The watermark once ``entry`` is decided (ended) or remembered as open (pending or unknown)."""
        still_open = [i for i in self.open if i != entry.execution_id]
        if entry.status not in TERMINAL_STATES:
            still_open.append(entry.execution_id)
        kept = tuple(sorted(still_open)[-MAX_OPEN:])
        return Watermark(max(self.through, entry.execution_id), kept)

    def forget(self, execution_ids: Iterable[int]) -> Watermark:
        """Give up open executions Datameer no longer knows (history entries deleted by an admin)."""
        gone = set(execution_ids)
        return Watermark(self.through, tuple(i for i in self.open if i not in gone))

    def to_state(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "through": self.through, "open": list(self.open)}

    @classmethod
    def from_state(cls, value: object) -> Watermark | None:
        """A stored watermark, or ``None`` when there is none or it is not one this version wrote."""
        if not isinstance(value, Mapping) or value.get("version") != STATE_VERSION:
            return None
        through = whole_number(value.get("through"))
        opened = value.get("open")
        ids = [whole_number(i) for i in opened] if isinstance(opened, list) else [None]
        if through is None or through < 0 or any(i is None or i < 0 for i in ids):
            return None
        return cls(through, tuple(sorted(i for i in ids if i is not None)))


def baseline(listing: Sequence[HistoryEntry]) -> Watermark:
    """The first watermark of a watch: what has ended is decided (never fired), pending runs stay open."""
    mark = Watermark(0)
    for entry in sorted(listing, key=lambda e: e.execution_id):
        mark = mark.seen(entry)
    return mark


@dataclass(frozen=True)
class Decision:
    """The executions to fire, oldest first, each with the watermark to keep once it is fired; and the
    watermark once the whole listing is taken in."""

    fire: tuple[tuple[HistoryEntry, Watermark], ...]
    mark: Watermark


def decide(mark: Watermark, listing: Sequence[HistoryEntry], statuses: Iterable[DatameerJobStatus]) -> Decision:
    """Take in a listing of the job's executions (any order, duplicates allowed): which ones to fire."""
    wanted = frozenset(statuses)
    fire = []
    by_id = {entry.execution_id: entry for entry in listing if entry.status is not DatameerJobStatus.NONE}
    for execution_id in sorted(by_id):
        entry = by_id[execution_id]
        if not mark.undecided(execution_id):
            continue
        mark = mark.seen(entry)
        if entry.status in wanted:
            fire.append((entry, mark))
    return Decision(tuple(fire), mark)


def missing_open(mark: Watermark, listing: Sequence[HistoryEntry]) -> tuple[int, ...]:
    """Open executions the listing does not show (V2 shows only the latest; V1 history pages): read one by one."""
    shown = {entry.execution_id for entry in listing}
    return tuple(i for i in mark.open if i not in shown)


def entry_of(answer: ExecutionStatus | JobDetails, execution_id: int | None = None) -> HistoryEntry | None:
    """A status or details answer as a listing entry (``None`` when it names no execution)."""
    ident = answer.execution_id if answer.execution_id is not None else execution_id
    if ident is None or answer.status is DatameerJobStatus.NONE:
        return None
    return HistoryEntry(ident, answer.status, answer.raw_status)


def event_payload(
    job_id: int | str, entry: HistoryEntry, details: JobDetails | None, file_id: int | None
) -> dict[str, Any]:
    """The event of one ended execution (JSON-safe; Airflow stores it as the asset event's ``extra["payload"]``).

    ``details`` (job details, read once for the event) gives times and counts; without it they are ``None``.
    ``status`` is the listing's, which decided that the execution ended.
    """
    return {
        "job_id": job_id,
        "execution_id": entry.execution_id,
        "file_id": (details.file_id if details is not None and details.file_id is not None else file_id),
        "status": entry.status.value,
        "start_time": None if details is None else iso(details.start_time),
        "stop_time": None if details is None else iso(details.stop_time),
        "success_count": None if details is None else details.success_count,
        "failure_count": None if details is None else details.failure_count,
        "counters": {} if details is None else dict(details.counters),
    }
