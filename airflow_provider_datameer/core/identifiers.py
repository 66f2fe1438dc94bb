"""Job, configuration and execution identifiers: validated and encoded before any request is built.

Kept apart from :mod:`airflow_provider_datameer.core.endpoints` so that operators can validate templated ids without
loading the parsers at DAG-parse time.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from airflow_provider_datameer.core.values import whole_number

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_PATH_LENGTH = 2048
#: Servlet containers refuse request lines over 8 KiB; keep the encoded segment well below that.
MAX_ENCODED_LENGTH = 6000


def encode_job_ref(job_id: object) -> str:
    """Turn a ``job_id`` (file id, uuid or file path) into one URL path segment.

    A path is percent-encoded as a single segment (``/`` → ``%2F``, space → ``%20``). Raises
    ``ValueError`` for anything that cannot name a Datameer file, before any request is sent.
    """
    if isinstance(job_id, bool) or not isinstance(job_id, int | str):
        raise ValueError(f"job_id must be a file id, uuid or file path, got {type(job_id).__name__}")
    if isinstance(job_id, int):
        return _file_id(require_id(job_id, "job_id"))
    text = job_id.strip()
    if not text:
        raise ValueError("job_id is empty: give a Datameer file id, uuid or file path")
    if text.isdecimal() and text.isascii():
        return _file_id(int(text))
    if _UUID.match(text):
        return text.lower()
    if not text.isascii() and text.lstrip("-").isdigit():
        raise ValueError(f"job_id {job_id!r} uses digits other than 0-9: write the file id with 0-9")
    if text.lstrip("-").isdigit():
        raise ValueError(f"job_id {job_id!r} is negative: Datameer file ids are positive integers")
    if not text.startswith("/"):
        raise ValueError(
            f"job_id {job_id!r} is neither a file id, a uuid nor an absolute file path (starting with '/')"
        )
    if text != job_id or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"job_id {job_id!r} has leading/trailing white space or control characters")
    if len(text) > MAX_PATH_LENGTH:
        raise ValueError(f"job_id path is {len(text)} characters long; at most {MAX_PATH_LENGTH} are accepted")
    encoded = quote(text, safe="")
    if len(encoded) > MAX_ENCODED_LENGTH:
        raise ValueError(
            f"job_id path is {len(encoded)} characters once URL-encoded; at most {MAX_ENCODED_LENGTH} fit in a "
            "request line: name the job by file id or uuid"
        )
    return encoded


def _file_id(number: int) -> str:
    if number == 0:
        raise ValueError("job_id 0 is not a Datameer file id: file ids are positive integers")
    return str(number)


def require_id(value: object, name: str) -> int:
    """Validate a configuration or execution id (int or digit string) and return it as an int."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    number = whole_number(value)
    if number is None or number < 0:
        raise ValueError(f"{name} must be a non-negative integer (or digit string), got {value!r}")
    return number


def pinned_execution_id(value: object) -> int | None:
    """The execution id a task was given: ``None``, ``""`` and ``"None"`` (what an unset template renders to)
    mean "not pinned"; anything else must be an execution id."""
    return None if value in (None, "", "None") else require_id(value, "execution_id")
