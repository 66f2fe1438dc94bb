"""Response bodies, shaped exactly as docs/datameer-api.md shows them (keys, key order, types).

Documented: V1 status incl. ``{}``; every V2 status case (``_NONE`` with only two keys, QUEUED with an
explicit ``"start-time": null`` and no stop-time, RUNNING with string ``estimate-time``/``job-progress``,
finished with stop-time); history entries; pre-7.4 job-details; V2 trigger success; V2 failure body;
license-details. Assumptions: WAITING_FOR_OTHER_JOB in V2 has the QUEUED shape; ERROR has the COMPLETED
shape; job-details of an unfinished run has null dates; list-running elements
``{"id", "jobConfigurationId", "jobStatus"}`` are invented; counters are synthesised from the
job's ``records`` (import/link/upload: the seven IMPORT_* keys, export: three EXPORT_* keys, workbook and
every ERROR run: ``{}``); COMPLETED_WITH_WARNINGS drops 1 % of the records (at least one). Invented to
test robustness (switch ``details_shape=newer``): a job-details body without ``jobStatus``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from .model import ACTIVE, RUNNING, Execution

FAILURE_REASON = "File doesn't exist or isn't accessible with current permissions"
WARNINGS = "COMPLETED_WITH_WARNINGS"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BOGUS_ESTIMATES = ("-5s", "abc", "99999999999s", "")
_IMPORT_TYPES = ("import", "link", "upload")


# ---- dates ----------------------------------------------------------------------------------------


def medium_date(epoch: float, style: str = "java8") -> str:
    """Java DateFormat.MEDIUM, US locale: java8 "Sep 28, 2018 6:44:56 PM", jdk9 adds a comma after the
    year, jdk20 also puts U+202F before AM/PM. Server-local time, no zone."""
    t = time.localtime(epoch)
    hour = t.tm_hour % 12 or 12
    year_sep = " " if style == "java8" else ", "
    ampm_sep = "\u202f" if style == "jdk20" else " "
    ampm = "AM" if t.tm_hour < 12 else "PM"
    return (
        f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday}, {t.tm_year}{year_sep}"
        f"{hour}:{t.tm_min:02d}:{t.tm_sec:02d}{ampm_sep}{ampm}"
    )


def timestamp_date(epoch: float) -> str:
    """java.sql.Timestamp.toString(): "2012-07-06 18:19:09.0" (fraction without trailing zeros)."""
    t = time.localtime(epoch)
    fraction = f"{round(epoch % 1 * 1000) % 1000:03d}".rstrip("0") or "0"
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{fraction}"


def _medium_or_none(epoch: float | None, style: str) -> str | None:
    return None if epoch is None else medium_date(epoch, style)


# ---- V1 -------------------------------------------------------------------------------------------


def v1_status_string(status: str, switches: dict[str, Any]) -> str:
    if status == WARNINGS and switches["v1_warnings_spelling"] == "mixed":
        return "COMPLETED_WITH_Warnings"
    return status


def v1_status(ex: Execution | None, now: float, switches: dict[str, Any]) -> dict[str, Any]:
    """V1 status: {"id": <execution id>, "jobStatus": ...} or {} when never triggered."""
    if ex is None:
        return {}
    return {"id": ex.id, "jobStatus": v1_status_string(ex.reported_status(now), switches)}


def list_running_entry(ex: Execution, configuration_id: int, now: float, switches: dict[str, Any]) -> dict[str, Any]:
    """list-running: invented element shape."""
    return {
        "id": ex.id,
        "jobConfigurationId": configuration_id,
        "jobStatus": v1_status_string(ex.reported_status(now), switches),
    }


def _counters(job_type: str, records: int, dropped: int) -> dict[str, int]:
    if job_type in _IMPORT_TYPES:
        return {
            "IMPORT_RECORDS": records,
            "IMPORT_BYTES": records * 48,
            "IMPORT_DROPPED_RECORDS": dropped,
            "IMPORT_PREVIEW_RECORDS": min(records, 5000),
            "IMPORT_OUTPUT_BYTES": records * 49,
            "IMPORT_DROPPED_SPLITS": 0,
            "IMPORT_OUTPUT_PARTITIONS": 0,
        }
    if job_type == "export":
        return {"EXPORT_RECORDS": records, "EXPORT_DROPPED_RECORDS": dropped, "EXPORT_BYTES": records * 48}
    return {}


def job_details(ex: Execution, configuration_id: int, now: float, switches: dict[str, Any]) -> dict[str, Any]:
    """Job details, pre-7.4 shape (no field names the job, the configuration or the execution); counters scale
    with run progress and are {} for workbooks and ERROR runs. ``details_shape=newer`` returns
    `newer_job_details` instead."""
    status = ex.status(now)
    records = int(ex.job.records * ex.run_fraction(now))
    dropped = max(1, records // 100) if status == WARNINGS and records else 0
    counters = {} if status == "ERROR" else _counters(ex.job.type, records, dropped)
    success = 0 if status == "ERROR" else records - dropped
    if switches["details_date_format"] == "timestamp":
        start, stop = (None if e is None else timestamp_date(e) for e in _wall_times(ex, now))
    else:
        start, stop = (_medium_or_none(e, switches["date_format"]) for e in _wall_times(ex, now))
    if switches["details_shape"] == "newer":
        return newer_job_details(ex, configuration_id, now, start, stop, counters, dropped, success)
    return {
        "counters": counters,
        "failureCount": dropped,
        "jobStatus": v1_status_string(ex.reported_status(now), switches),
        "startTime": start,
        "stopTime": stop,
        "successCount": success,
    }


def newer_job_details(
    ex: Execution,
    configuration_id: int,
    now: float,
    start: str | None,
    stop: str | None,
    counters: dict[str, int],
    dropped: int,
    success: int,
) -> dict[str, Any]:
    """INVENTED, [UNVERIFIED]: a job-details body as a later server might send it, to test a client's
    robustness. No ``jobStatus``: the status (enum name, upper case) is under ``status``, the key the V2
    envelope uses for "success"/"failure"; the run names itself (``id``, ``jobConfigurationId``,
    ``fileId``, ``user``, ``triggerType``); the classic counters and counts stay."""
    return {
        "id": ex.id,
        "jobConfigurationId": configuration_id,
        "fileId": ex.job.file_id,
        "status": ex.reported_status(now),
        "user": ex.user,
        "triggerType": ex.trigger,
        "startTime": start,
        "stopTime": stop,
        "counters": counters,
        "failureCount": dropped,
        "successCount": success,
    }


def _wall_times(ex: Execution, now: float) -> tuple[float | None, float | None]:
    return ex.wall(ex.start_mono(now)), ex.wall(ex.stop_mono(now))


# ---- V2 -------------------------------------------------------------------------------------------


def v2_failure(reason: str = FAILURE_REASON) -> dict[str, Any]:
    return {"status": "failure", "reason": reason}


def _estimate(ex: Execution, now: float) -> str:
    if ex.job.estimate == "bogus":
        return _BOGUS_ESTIMATES[int(now - ex.wait_end) % len(_BOGUS_ESTIMATES)]
    return f"{math.ceil(ex.remaining(now))}s"


def v2_status(ex: Execution | None, now: float, switches: dict[str, Any]) -> dict[str, Any]:
    """V2 status, every documented case; the shape follows the real phase, the string may be forced."""
    if ex is None:
        return {"status": "success", "job-status": "_NONE"}
    phase = ex.status(now)
    start, stop = _wall_times(ex, now)
    style = switches["date_format"]
    body: dict[str, Any] = {
        "status": "success",
        "file-id": ex.job.file_id,
        "job-execution-id": ex.id,
        "job-status": ex.reported_status(now),
        "start-time": _medium_or_none(start, style),
    }
    if phase == RUNNING:
        if ex.job.estimate != "none":
            body["estimate-time"] = _estimate(ex, now)
        body["job-progress"] = str(min(99, int(ex.run_fraction(now) * 100)))
    elif phase not in ACTIVE:
        body["stop-time"] = _medium_or_none(stop, style)
    return body


def v2_trigger(ex: Execution) -> dict[str, Any]:
    """V2 trigger success."""
    return {
        "status": "success",
        "job-execution-id": ex.id,
        "job-execution-user": ex.user,
        "job-execution-trigger": ex.trigger,
    }


# ---- other ----------------------------------------------------------------------------------------


def license_details(started: float, switches: dict[str, Any]) -> dict[str, Any]:
    """license-details shape; dates relative to the server start so they look current."""
    style = switches["date_format"]
    return {
        "ProductId": "4c4038ba-7d2e-4a51-9a43-0e3a1a7b0001",
        "ProductVersion": switches["product_version"],
        "LicenseHolder": "CN=Datameer Emulator,O=airflow-provider-datameer",
        "LicenseType": "Enterprise",
        "LicenseStartDate": medium_date(started - 30 * 86400, style),
        "LicenseExpirationDate": medium_date(started + 335 * 86400, style),
        "LicenseVolumePeriodInMonths": 1,
        "LicenseVolumelimitInBytes": 214748364800,
        "TotalVolumeConsumedInBytes": 38758720,
    }


HTML_LOGIN_PAGE = """<!DOCTYPE html>
<html><head><title>Datameer - Login</title></head>
<body class="login">
<form id="loginForm" method="post" action="/j_spring_security_check">
<h1>Welcome to Datameer</h1>
<input type="text" name="j_username" placeholder="Username"/>
<input type="password" name="j_password" placeholder="Password"/>
<button type="submit">Log in</button>
</form>
</body></html>
"""

BROWSER_PAGE = """<!DOCTYPE html>
<html><head><title>Datameer</title></head><body><div id="app">Datameer emulator</div></body></html>
"""

MALFORMED_JSON = b'{"status": "success", "job-status": "RUNN'
