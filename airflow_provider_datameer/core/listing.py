"""What an event watch can see of a job's executions, as sans-I/O procedures (see :mod:`~.steps`).

Datameer documents no V2 command that lists a file's executions: V2 status shows only the **latest** one.
So with ``api_version=2`` a poll sees one execution (plus, by job details, the ones it saw pending before),
and with ``api_version=1`` it reads the configuration's job history, newest first, page after page until it
reaches what it has seen. docs/watch.md says what each can miss.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from airflow_provider_datameer.core.completions import entry_of
from airflow_provider_datameer.core.connection import DatameerConnectionConfig
from airflow_provider_datameer.core.endpoints import GENERATIONS, details_request, history_request
from airflow_provider_datameer.core.errors import DatameerNotFoundError
from airflow_provider_datameer.core.models import ExecutionStatus, HistoryEntry, JobDetails
from airflow_provider_datameer.core.procedures import call
from airflow_provider_datameer.core.steps import Procedure

#: Executions per page of V1 job history, and the most pages one poll reads (200 runs between two polls).
HISTORY_PAGE = 25
MAX_PAGES = 8


@dataclass(frozen=True)
class Snapshot:
    """One poll's view of the job: ``entries`` (id and status), the file id when V2 status named it, and
    ``complete_above``: every execution of the job with a higher id is in ``entries`` (``None``: no such
    promise, as with V2, which shows only the latest)."""

    entries: tuple[HistoryEntry, ...]
    file_id: int | None = None
    complete_above: int | None = None

    @property
    def newest(self) -> int | None:
        return max((e.execution_id for e in self.entries), default=None)


def snapshot(
    config: DatameerConnectionConfig, api_version: int, job_id: int | str, floor: int | None, log: Any
) -> Procedure[Snapshot]:
    """Poll the job once. V1 reads history pages until one reaches ``floor`` (the newest id seen before; ``None``:
    one page), ends, or :data:`MAX_PAGES` are read. Errors of the requests propagate (already retried)."""
    if api_version == 2:
        latest: ExecutionStatus = yield from call(config, GENERATIONS[2].status_request(config.endpoints, job_id), log)
        entry = entry_of(latest)
        return Snapshot(() if entry is None else (entry,), latest.file_id)
    entries: list[HistoryEntry] = []
    for page in range(MAX_PAGES):
        request = history_request(config.endpoints, job_id, length=HISTORY_PAGE, start=page * HISTORY_PAGE)
        rows: list[HistoryEntry] = yield from call(config, request, log)
        entries += rows
        oldest = min((r.execution_id for r in rows), default=None)
        if len(rows) < HISTORY_PAGE or oldest is None:
            return Snapshot(tuple(entries), complete_above=0)
        if floor is None or oldest <= floor:
            break
    oldest_seen = min(e.execution_id for e in entries)
    return Snapshot(tuple(entries), complete_above=oldest_seen - 1)


def details_of(
    config: DatameerConnectionConfig, execution_ids: Iterable[int], log: Any
) -> Procedure[dict[int, JobDetails | None]]:
    """Job details of each execution; ``None`` for one Datameer no longer knows (its history was deleted)."""
    found: dict[int, JobDetails | None] = {}
    for execution_id in execution_ids:
        try:
            found[execution_id] = yield from call(config, details_request(config.endpoints, execution_id), log)
        except DatameerNotFoundError:
            found[execution_id] = None
    return found
