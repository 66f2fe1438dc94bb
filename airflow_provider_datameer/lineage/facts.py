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

SCHEME = "datameer"

# What a run says about the data it moved, for lineage (docs/lineage.md). Datameer file paths in V1 JSON carry
# an extension that names the job type (§5); job-details counters are IMPORT_* for imports (and, we assume, data
# links and uploads) and EXPORT_* for exports; workbooks have none documented.
_TYPE_BY_EXTENSION = {".imp": "import", ".lnk": "link", ".upl": "upload", ".wbk": "workbook", ".exp": "export"}
#: Job types whose Datameer file is what the run reads (an input); every other type writes its file (an output).
READING_JOB_TYPES = frozenset({"export"})


def job_type_of(path: str | None = None, counters: Mapping[str, int] | None = None) -> str | None:
    """The job type (``import``, ``link``, ``upload``, ``workbook``, ``export``) that a file path's extension or
    the job-details counter names reveal; ``None`` when neither tells (inferred, not a documented field)."""
    if path:
        for extension, job_type in _TYPE_BY_EXTENSION.items():
            if path.lower().endswith(extension):
                return job_type
    names = set(counters or ())
    if any(name.startswith("EXPORT_") for name in names):
        return "export"
    if any(name.startswith("IMPORT_") for name in names):
        return "import"
    return None


def rows_and_bytes(
    job_type: str | None, success_count: int | None, counters: Mapping[str, int]
) -> tuple[int | None, int | None]:
    """Records and bytes the run moved through its Datameer file, as job details tell them.

    Records: ``successCount`` (records the run processed successfully), else ``EXPORT_RECORDS`` for an export or
    ``IMPORT_RECORDS`` otherwise. Bytes: ``IMPORT_OUTPUT_BYTES`` (bytes written to the file) for writing jobs;
    ``None`` for exports, whose ``EXPORT_BYTES`` count what reached the target, not what was read.
    """
    reading = job_type in READING_JOB_TYPES
    rows = (
        success_count if success_count is not None else counters.get("EXPORT_RECORDS" if reading else "IMPORT_RECORDS")
    )
    return rows, None if reading else counters.get("IMPORT_OUTPUT_BYTES")


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
