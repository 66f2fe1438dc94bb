"""Typed results of Datameer commands and the pure parsers that build them from decoded JSON.

Parsers are lenient where docs/datameer-api.md says Datameer varies (status spelling, the three date
formats and their JDK variants, numbers sent as strings, absent or ``null`` keys) and strict about shape:
a body of the wrong kind raises :class:`ShapeError`, which :mod:`~airflow_provider_datameer.core.responses` turns
into a :class:`~airflow_provider_datameer.core.errors.DatameerUnexpectedResponseError` naming the command.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airflow_provider_datameer.core.status import DatameerJobStatus
from airflow_provider_datameer.core.values import MAX_DIGITS, whole_number


class ShapeError(ValueError):
    """A decoded body does not have the shape the command returns."""


# ---------------------------------------------------------------------------------------------- values
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
# Java DateFormat.MEDIUM (US): "Sep 28, 2018 6:44:56 PM"; JDK 9+ adds a comma after the year; JDK 20+
# puts U+202F before AM/PM. U+00A0 is folded the same way.
_MEDIUM = re.compile(
    r"^([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),\s*(\d{4}),?\s+(\d{1,2}):(\d{2}):(\d{2})\s*([AaPp])\.?[Mm]\.?$"
)
# java.sql.Timestamp.toString(): "2012-07-06 18:19:09.0"
_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|ms)?", re.IGNORECASE)
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?\s*(?:d|h|m|s|ms)?\s*)+$", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, None: 1.0}


def parse_datameer_time(value: object) -> datetime | None:
    """Parse any of Datameer's date renderings to a naive (server-local) datetime; ``None`` if unparseable.

    Accepted: Java 8 MEDIUM, its JDK 9+ (comma) and JDK 20+ (U+202F) variants, ``java.sql.Timestamp``
    text, and ISO-8601 with or without offset. Never raises.
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.replace("\u202f", " ").replace("\u00a0", " ").split())
    try:
        if m := _MEDIUM.match(text):
            mon, day, year, hour, minute, sec, half = m.groups()
            month = _MONTHS.get(mon.lower())
            if month is None:
                return None
            hour24 = int(hour) % 12 + (12 if half.lower() == "p" else 0)
            return datetime(int(year), month, int(day), hour24, int(minute), int(sec))
        if m := _TIMESTAMP.match(text):
            year, month_no, day_no, hour_no, minute_no, second_no = (int(g) for g in m.groups()[:6])
            micro = int((m.group(7) or "0").ljust(6, "0")[:6])
            return datetime(year, month_no, day_no, hour_no, minute_no, second_no, micro)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_duration_seconds(value: object) -> float | None:
    """Parse ``estimate-time`` text ("11s", "2m 5s", "1h", "00:02:05", "42") to seconds.

    Datameer documents only ``"11s"``; other renderings are guesses. Returns ``None`` for anything
    unparseable or negative rather than guessing.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _finite(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if m := _CLOCK.match(text):
        hours, minutes, seconds = (int(g or 0) for g in m.groups())
        return hours * 3600.0 + minutes * 60.0 + seconds
    if not text or not _DURATION.match(text):
        return None
    total = 0.0
    for number, unit in _DURATION_PART.findall(text):
        total += float(number) * _UNIT_SECONDS[unit.lower() if unit else None]
    return _finite(total)


def parse_progress(value: object) -> float | None:
    """Parse ``job-progress`` ("0", "45", "45%", 45) to a percentage in 0..100, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
    number = _finite(value)
    return number if number is not None and 0.0 <= number <= 100.0 else None


def _finite(value: object) -> float | None:
    """``float(value)`` when that is a finite number; ``None`` for text, huge integers, inf and nan."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _int_or_none(body: Mapping[str, Any], key: str) -> int | None:
    """An identifier field: an int, or a digit string; absent/null → None; anything else is a shape error."""
    value = body.get(key)
    if value is None:
        return None
    number = whole_number(value)
    if number is None:
        raise ShapeError(f"'{key}' is {value!r}, expected an integer")
    return number


def _count(value: object, key: str) -> int:
    """A count: missing-like or odd values are 0, as Datameer's own clients read them; a negative count, or one
    beyond :data:`~airflow_provider_datameer.core.values.MAX_DIGITS` digits (which Airflow's serialisers cannot
    carry: issue 25), is a shape error naming ``key``."""
    if isinstance(value, bool):
        return 0
    number = value if isinstance(value, int) else _finite(value) if isinstance(value, float | str) else None
    if number is None:
        return 0
    if whole_number(int(number)) is None or number < 0:
        raise ShapeError(f"'{key}' is {str(value)[:40]}, not a count (a whole number, 0 to {MAX_DIGITS} digits)")
    return int(number)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _object(body: object, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ShapeError(f"expected a JSON object for {what}, got {type(body).__name__}")
    return body


def _array(body: object, what: str) -> list[Any]:
    if not isinstance(body, list):
        raise ShapeError(f"expected a JSON array for {what}, got {type(body).__name__}")
    return body


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ExecutionStatus:
    """The latest execution of a job (V2 status) or configuration (V1 status).

    ``status`` is ``NONE`` and ``execution_id`` is ``None`` when the job never ran. ``raw_status`` keeps
    Datameer's own spelling (useful for ``UNKNOWN``). Times are naive server-local datetimes.
    """

    status: DatameerJobStatus
    execution_id: int | None = None
    file_id: int | None = None
    raw_status: str | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None
    progress: float | None = None
    estimate_seconds: float | None = None
    raw_estimate: str | None = None


@dataclass(frozen=True)
class TriggerResult:
    """A run started by a trigger command. ``execution_id`` is ``None`` only for a V1 body without one."""

    execution_id: int | None
    user: str | None = None
    trigger: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One row of V1 job history (newest first)."""

    execution_id: int
    status: DatameerJobStatus
    raw_status: str | None = None


@dataclass(frozen=True)
class JobDetails:
    """Counters and outcome of one execution (job-details). Every field may be missing on some versions."""

    execution_id: int | None
    status: DatameerJobStatus
    raw_status: str | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None
    success_count: int | None = None
    failure_count: int | None = None
    counters: Mapping[str, int] = field(default_factory=dict)
    #: The job the execution belongs to, where the body names it (not in the documented pre-7.4 body).
    file_id: int | None = None
    configuration_id: int | None = None


@dataclass(frozen=True)
class ActiveJob:
    """One element of list-running. Only ``status`` is known to be there; the rest is best effort (the job's
    path and file id under the names Datameer's other answers use for them, when an element has them)."""

    status: DatameerJobStatus
    execution_id: int | None = None
    configuration_id: int | None = None
    raw_status: str | None = None
    file_id: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class ServerVersion:
    """What license-details says about the server."""

    version: str
    license_type: str | None = None
    product_id: str | None = None


# ---------------------------------------------------------------------------------------------- parsers
def parse_status_v2(body: object) -> ExecutionStatus:
    """Parse a V2 status success body (the failure body is handled before, in the api layer)."""
    data = _object(body, "job status")
    if "job-status" not in data:
        raise ShapeError("no 'job-status' key")
    raw = data.get("job-status")
    raw_estimate = data.get("estimate-time")
    return ExecutionStatus(
        status=DatameerJobStatus.from_raw(raw),
        execution_id=_int_or_none(data, "job-execution-id"),
        file_id=_int_or_none(data, "file-id"),
        raw_status=_text(raw),
        start_time=parse_datameer_time(data.get("start-time")),
        stop_time=parse_datameer_time(data.get("stop-time")),
        progress=parse_progress(data.get("job-progress")),
        estimate_seconds=parse_duration_seconds(raw_estimate),
        raw_estimate=None if raw_estimate is None else str(raw_estimate),
    )


def parse_status_v1(body: object) -> ExecutionStatus:
    """Parse V1 status: ``{"id": n, "jobStatus": ...}`` or ``{}`` for a configuration never run."""
    data = _object(body, "job status")
    raw = data.get("jobStatus")
    return ExecutionStatus(
        status=DatameerJobStatus.from_raw(raw),
        execution_id=_int_or_none(data, "id"),
        raw_status=_text(raw),
    )


def parse_trigger_v2(body: object) -> TriggerResult:
    data = _object(body, "trigger")
    execution_id = _int_or_none(data, "job-execution-id")
    if execution_id is None:
        raise ShapeError("no 'job-execution-id' in the trigger response")
    return TriggerResult(
        execution_id=execution_id,
        user=_text(data.get("job-execution-user")),
        trigger=_text(data.get("job-execution-trigger")),
    )


def parse_trigger_v1(body: object) -> TriggerResult:
    """V1 trigger's body is undocumented: an ``id`` is used when present, nothing else is relied on."""
    if isinstance(body, Mapping):
        try:
            return TriggerResult(execution_id=_int_or_none(body, "id"))
        except ShapeError:
            pass
    return TriggerResult(execution_id=None)


def parse_history(body: object) -> list[HistoryEntry]:
    entries = []
    for index, item in enumerate(_array(body, "job history")):
        row = _object(item, f"job history entry {index}")
        execution_id = _int_or_none(row, "id")
        if execution_id is None:
            raise ShapeError(f"job history entry {index} has no 'id'")
        raw = row.get("jobStatus")
        entries.append(HistoryEntry(execution_id, DatameerJobStatus.from_raw(raw), _text(raw)))
    return entries


#: Keys under which a job-details body may name its job (none is documented; later versions may add one).
_DETAILS_FILE_KEYS = ("fileId", "file-id")
_DETAILS_CONFIGURATION_KEYS = ("jobConfigurationId", "configurationId", "configuration-id")


def parse_job_details(body: object, execution_id: int | None = None) -> JobDetails:
    """Parse job details. A body without a ``jobStatus`` string is a shape error, never "no execution"."""
    data = _object(body, "job details")
    counters = data.get("counters")
    raw = data.get("jobStatus")
    if not isinstance(raw, str) or not raw.strip():
        present = ", ".join(sorted(str(k) for k in data)[:12]) or "none"
        raise ShapeError(f"no 'jobStatus' in job details (keys present: {present})")
    return JobDetails(
        execution_id=execution_id,
        status=DatameerJobStatus.from_raw(raw),
        raw_status=_text(raw),
        start_time=parse_datameer_time(data.get("startTime")),
        stop_time=parse_datameer_time(data.get("stopTime")),
        success_count=None if data.get("successCount") is None else _count(data["successCount"], "successCount"),
        failure_count=None if data.get("failureCount") is None else _count(data["failureCount"], "failureCount"),
        counters={str(k): _count(v, f"counters.{k}") for k, v in counters.items()}
        if isinstance(counters, Mapping)
        else {},
        file_id=_first_id(data, _DETAILS_FILE_KEYS),
        configuration_id=_first_id(data, _DETAILS_CONFIGURATION_KEYS),
    )


def _first_id(data: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    return next((value for key in keys if (value := _int_or_none(data, key)) is not None), None)


def parse_active_jobs(body: object) -> list[ActiveJob]:
    jobs = []
    for index, item in enumerate(_array(body, "list of running jobs")):
        row = _object(item, f"running job {index}")
        raw = row.get("jobStatus")
        jobs.append(
            ActiveJob(
                status=DatameerJobStatus.from_raw(raw),
                execution_id=_int_or_none(row, "id"),
                configuration_id=_int_or_none(row, "jobConfigurationId"),
                raw_status=_text(raw),
                file_id=whole_number(row.get("fileId", row.get("file-id"))),  # unverified fields: never an error
                path=_text(row.get("path", row.get("filePath"))),
            )
        )
    return jobs


def parse_server_version(body: object) -> ServerVersion:
    data = _object(body, "license details")
    version = data.get("ProductVersion")
    if not isinstance(version, str) or not version.strip():
        raise ShapeError("no 'ProductVersion' in license details")
    return ServerVersion(
        version=version.strip(),
        license_type=_text(data.get("LicenseType")),
        product_id=_text(data.get("ProductId")),
    )
