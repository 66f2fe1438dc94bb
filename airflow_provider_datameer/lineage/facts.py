"""What a Datameer task knows about its run, gathered for lineage without any request and without OpenLineage.

:func:`run_facts` reads the task's arguments (``job_id``), the connection's server address, and the two dicts the
operator and the sensor fill in: ``datameer_run`` (before the wait: job id, execution id, file id, job URL, the
trigger user) and ``datameer_result`` (when the wait ends: the summary with job-details counters, the message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_datameer.core.models import READING_JOB_TYPES, job_type_of, rows_and_bytes

SCHEME = "datameer"


def namespace_of(base_url: str) -> str:
    """The OpenLineage namespace of a Datameer server: ``datameer://host:port`` (the connection's base URL
    always names its port)."""
    return f"{SCHEME}://{urlsplit(base_url).netloc.lower()}"


def dataset_name(path: str | None, file_id: int | str | None) -> str | None:
    """The file path when known, else ``file/<file id>``, so that every run of one file names the same dataset."""
    if path:
        return path
    return None if file_id in (None, "") else f"file/{file_id}"


@dataclass(frozen=True)
class RunFacts:
    """One Datameer run as lineage sees it; every field but ``namespace`` may be unknown (``None``)."""

    namespace: str
    name: str | None
    job_type: str | None
    job_id: str
    execution_id: int | None = None
    file_id: int | None = None
    user: str | None = None
    start_time: str | None = None
    stop_time: str | None = None
    status: str | None = None
    job_url: str | None = None
    message: str | None = None
    rows: int | None = None
    size: int | None = None

    @property
    def reads_file(self) -> bool:
        """Whether the Datameer file is the run's input (an export) rather than its output (any other or unknown)."""
        return self.job_type in READING_JOB_TYPES


def run_facts(
    job_id: int | str,
    base_url: str,
    run: Mapping[str, Any] | None = None,
    result: Mapping[str, Any] | None = None,
) -> RunFacts:
    """Merge what the task was given with what Datameer told it; ``result`` wins over ``run`` (it is later)."""
    known: dict[str, Any] = {**(run or {}), **{k: v for k, v in (result or {}).items() if v is not None}}
    job = str(job_id)
    path = job if job.startswith("/") else None  # a file id or a uuid names no path
    file_id = known.get("file_id")
    if file_id is None and job.isdecimal():
        file_id = int(job)
    counters = known.get("counters") or {}
    job_type = job_type_of(path, counters)
    rows, size = rows_and_bytes(job_type, known.get("success_count"), counters) if result else (None, None)
    return RunFacts(
        namespace=namespace_of(base_url),
        name=dataset_name(path, file_id),
        job_type=job_type,
        job_id=job,
        execution_id=known.get("execution_id"),
        file_id=file_id,
        user=known.get("user"),
        start_time=known.get("start_time"),
        stop_time=known.get("stop_time"),
        status=known.get("status"),
        job_url=known.get("job_url"),
        message=known.get("message"),
        rows=rows,
        size=size,
    )
