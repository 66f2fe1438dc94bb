"""Job definitions and the jobs file: parsing, validation, defaults.

A jobs file is JSON: either a list of job objects, or ``{"jobs": [...], "switches": {...}}``. Every
problem is reported as ``<file>: jobs[<index>].<key>: <problem>`` (invalid JSON: line and column), so a
typo in a fixture names itself. The same validation serves the control API (``PUT /_emulator/jobs``).

Job fields and defaults are those of the emulator spec. Seeded ``history`` entries are terminal runs that
exist before any trigger (listed oldest first); each is ``{"status": ..., "user": ..., "age_seconds": ...}``
where ``age_seconds`` is how long ago the run stopped (default: one day per position from the end).
"""

from __future__ import annotations

import json
import re
import uuid as uuid_mod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .switches import SwitchError, validate_switches

DEFAULT_JOBS_FILE = Path(__file__).with_name("default_jobs.json")

JOB_TYPES = ("import", "link", "upload", "workbook", "export")
OUTCOMES = ("COMPLETED", "COMPLETED_WITH_WARNINGS", "ERROR")
TERMINAL = (*OUTCOMES, "CANCELED")
ESTIMATES = ("accurate", "bogus", "none")
EXTENSIONS = (".imp", ".wbk", ".exp", ".lnk", ".upl")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class JobsFileError(ValueError):
    """A jobs file, job object or seeded history entry that does not validate."""


@dataclass
class Job:
    file_id: int
    configuration_id: int
    uuid: str
    path: str
    type: str
    owner: str = "admin"
    allowed_users: list[str] | None = None
    queue_seconds: float = 1.0
    wait_seconds: float = 0.0
    run_seconds: float = 5.0
    outcome: str = "COMPLETED"
    estimate: str = "accurate"
    visibility_delay: float = 0.0
    records: int = 1000
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    def may_see(self, user: str | None) -> bool:
        return self.allowed_users is None or user in self.allowed_users

    @property
    def path_without_extension(self) -> str:
        return self.path.rsplit(".", 1)[0]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_seconds(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def _is_path(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("/") and v.endswith(EXTENSIONS) and len(v) > 5


def _is_users(v: Any) -> bool:
    return v is None or (isinstance(v, list) and all(isinstance(u, str) for u in v))


def _one_of(choices: tuple[str, ...]) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in choices), "one of " + ", ".join(choices)


# field -> (check, description of what it accepts); the order is the order of Job.to_dict().
_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "file_id": (_is_int, "a non-negative integer"),
    "configuration_id": (_is_int, "a non-negative integer"),
    "uuid": (lambda v: isinstance(v, str) and bool(UUID_RE.match(v)), "a UUID string"),
    "path": (_is_path, "an absolute path ending in one of " + " ".join(EXTENSIONS)),
    "type": _one_of(JOB_TYPES),
    "owner": (lambda v: isinstance(v, str) and bool(v), "a user name"),
    "allowed_users": (_is_users, "null or a list of user names"),
    "queue_seconds": (_is_seconds, "a number of seconds >= 0"),
    "wait_seconds": (_is_seconds, "a number of seconds >= 0"),
    "run_seconds": (_is_seconds, "a number of seconds >= 0"),
    "outcome": _one_of(OUTCOMES),
    "estimate": _one_of(ESTIMATES),
    "visibility_delay": (_is_seconds, "a number of seconds >= 0"),
    "records": (_is_int, "a non-negative integer"),
    "history": (lambda v: isinstance(v, list), "a list of runs"),
}
_REQUIRED = ("file_id", "configuration_id", "path", "type")
_HISTORY_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "status": _one_of(TERMINAL),
    "user": (lambda v: isinstance(v, str) and bool(v), "a user name"),
    "age_seconds": (_is_seconds, "a number of seconds >= 0"),
}


def _check_fields(
    obj: Any, where: str, fields: Mapping[str, tuple[Callable[[Any], bool], str]], required: tuple[str, ...]
) -> None:
    if not isinstance(obj, dict):
        raise JobsFileError(f"{where}: expected an object, got {type(obj).__name__}")
    for key in required:
        if key not in obj:
            raise JobsFileError(f"{where}.{key}: missing (required: {', '.join(required)})")
    for key, value in obj.items():
        if key not in fields:
            raise JobsFileError(f"{where}.{key}: unknown key; known keys: {', '.join(fields)}")
        check, text = fields[key]
        if not check(value):
            raise JobsFileError(f"{where}.{key}: {value!r} is not {text}")


def parse_job(obj: Any, where: str = "job") -> Job:
    """Validate one job object (jobs file entry or control-API body) and build a Job."""
    _check_fields(obj, where, _FIELDS, _REQUIRED)
    values = dict(obj)
    values.setdefault("uuid", str(uuid_mod.uuid5(uuid_mod.NAMESPACE_URL, f"datameer:{values['path']}")))
    for i, run in enumerate(values.get("history", [])):
        _check_fields(run, f"{where}.history[{i}]", _HISTORY_FIELDS, ("status",))
    return Job(**values)


def check_unique(jobs: list[Job], where: Callable[[int], str]) -> None:
    """Reject two jobs sharing a file id, configuration id, uuid or path (with or without extension)."""
    seen: dict[tuple[str, Any], int] = {}
    for index, job in enumerate(jobs):
        keys = {
            "file_id": job.file_id,
            "configuration_id": job.configuration_id,
            "uuid": job.uuid.lower(),
            "path": job.path_without_extension,
        }
        for key, value in keys.items():
            other = seen.setdefault((key, value), index)
            if other != index:
                raise JobsFileError(f"{where(index)}.{key}: {value!r} is already used by {where(other)}")


@dataclass
class JobsFile:
    """The content of a jobs file; iterating over it yields the jobs."""

    path: str
    jobs: list[Job]
    switches: dict[str, Any]

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)


def parse_jobs_document(doc: Any, name: str) -> JobsFile:
    """Validate an already-decoded jobs document; errors are prefixed with `name`."""
    switches: dict[str, Any] = {}
    if isinstance(doc, dict):
        unknown = set(doc) - {"jobs", "switches"}
        if unknown:
            raise JobsFileError(f"{name}: unknown top-level key {sorted(unknown)[0]!r}; known: jobs, switches")
        try:
            switches = validate_switches(doc.get("switches") or {}, where=f"{name}: switches")
        except SwitchError as exc:
            raise JobsFileError(str(exc)) from None
        doc = doc.get("jobs", [])
    if not isinstance(doc, list):
        raise JobsFileError(f"{name}: expected a list of jobs or an object with a 'jobs' list")
    jobs = [parse_job(obj, f"{name}: jobs[{i}]") for i, obj in enumerate(doc)]
    check_unique(jobs, lambda i: f"{name}: jobs[{i}]")
    return JobsFile(path=name, jobs=jobs, switches=switches)


def load_jobs_file(path: str | Path) -> JobsFile:
    """Read and validate a jobs file; raise JobsFileError with file, index/key (or line/column)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise JobsFileError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JobsFileError(f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    return parse_jobs_document(doc, name)
