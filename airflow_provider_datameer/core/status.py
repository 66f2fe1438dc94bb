"""Datameer job statuses and what each one means for a waiting task (docs/datameer-api.md).

The sets below are the only place where a status is classified; sensors, triggers and operators
ask them instead of spelling status names.
"""

from __future__ import annotations

from enum import Enum


class DatameerJobStatus(str, Enum):  # noqa: UP042 (str() and format() of members stay as they were)
    """A job execution status as Datameer reports it, normalised.

    ``NONE`` stands for "no execution exists" (V2 ``_NONE``, V1 ``{}``); ``UNKNOWN`` for a value this
    provider has never seen (the raw text is kept beside it by the parsers).
    """

    NONE = "_NONE"
    QUEUED = "QUEUED"
    WAITING_FOR_OTHER_JOB = "WAITING_FOR_OTHER_JOB"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_WARNINGS = "COMPLETED_WITH_WARNINGS"
    ERROR = "ERROR"
    CANCELED = "CANCELED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def from_raw(cls, raw: object) -> DatameerJobStatus:
        """Normalise a raw status: case-insensitive, ``CANCELLED`` → ``CANCELED``, missing → ``NONE``.

        Never raises: anything unrecognised (including non-strings) is ``UNKNOWN``.
        """
        if raw is None:
            return cls.NONE
        if not isinstance(raw, str):
            return cls.UNKNOWN
        key = raw.strip().upper()
        if key == "CANCELLED":
            key = "CANCELED"
        if key == "UNKNOWN":
            return cls.UNKNOWN
        try:
            return cls(key)
        except ValueError:
            return cls.UNKNOWN

    def __str__(self) -> str:
        return self.value


#: The run exists and has not finished: keep waiting.
PENDING_STATES = frozenset(
    {DatameerJobStatus.QUEUED, DatameerJobStatus.WAITING_FOR_OTHER_JOB, DatameerJobStatus.RUNNING}
)
#: Finished well (``COMPLETED_WITH_WARNINGS`` only while warnings are tolerated).
SUCCESS_STATES = frozenset({DatameerJobStatus.COMPLETED, DatameerJobStatus.COMPLETED_WITH_WARNINGS})
#: Finished badly.
FAILURE_STATES = frozenset({DatameerJobStatus.ERROR, DatameerJobStatus.CANCELED})
#: Finished, one way or the other.
TERMINAL_STATES = SUCCESS_STATES | FAILURE_STATES


def is_success(status: DatameerJobStatus, *, fail_on_warnings: bool = False) -> bool:
    """Whether a terminal status passes the task under the warnings policy."""
    if status is DatameerJobStatus.COMPLETED_WITH_WARNINGS:
        return not fail_on_warnings
    return status in SUCCESS_STATES
