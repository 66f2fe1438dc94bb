"""What a run of triggers came to: events by status, failures against the jobs' known outcomes, lags
against the emulator's stop times, and requests per job from the emulator's request log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from benchlib.triggerer import Fired

#: The event a job's outcome must produce.
EXPECTED = {"COMPLETED": "success", "COMPLETED_WITH_WARNINGS": "success", "ERROR": "error"}


def events_by_status(fired: Sequence[Fired]) -> dict[str, int]:
    return dict(sorted(Counter(f.event["status"] if f.event else "no event" for f in fired).items()))


def failures(fired: Sequence[Fired], outcomes: Sequence[str]) -> list[str]:
    """Events that contradict the job's outcome, exceptions, and triggers that never fired."""
    found = []
    for f, outcome in zip(fired, outcomes, strict=True):
        if f.error is not None:
            found.append(f.error)
        elif f.event is None or f.event.get("status") != EXPECTED[outcome]:
            found.append(f"job ended {outcome} but the event was {f.event}")
    return found


def lags(
    fired: Sequence[Fired], keys: Sequence[tuple[int, int]], stops: dict[tuple[int, int], float | None]
) -> list[float | None]:
    """Seconds from each execution's stop (emulator clock, same machine) to its trigger's event."""
    out: list[float | None] = []
    for f, key in zip(fired, keys, strict=True):
        stop = stops.get(key)
        out.append(None if f.fired_at is None or stop is None else f.fired_at - stop)
    return out


def present(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def requests_per_job(entries: Sequence[dict[str, Any]], endpoint: str = "status_v2") -> Counter[str]:
    """Logged requests of one command, by the job identifier as it appeared in the URL."""
    return Counter(str(e["job"]) for e in entries if e["endpoint"] == endpoint)
