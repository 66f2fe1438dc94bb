"""How a wait ended: the one value that poke mode, the worker wait and the trigger event all carry."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

OUTCOMES = ("success", "error", "timeout")


@dataclass(frozen=True)
class Verdict:
    """How a wait ended. ``status`` is ``"success"``, ``"error"`` or ``"timeout"`` (the trigger event keys)."""

    status: str
    job_id: str
    execution_id: int | None
    job_status: str | None
    message: str
    file_id: int | None = None
    start_time: str | None = None
    stop_time: str | None = None

    def to_event(self) -> dict[str, Any]:
        """JSON-safe payload for a ``TriggerEvent``."""
        return asdict(self)

    @classmethod
    def from_event(cls, event: object) -> Verdict:
        """Validate a trigger event; a malformed one becomes an ``error`` verdict that says so."""
        if not isinstance(event, dict) or event.get("status") not in OUTCOMES:
            return cls("error", "?", None, None, f"Datameer trigger sent a malformed event: {event!r}"[:500])
        fields = {name: event.get(name) for name in cls.__dataclass_fields__}
        fields.update(job_id=str(fields["job_id"]), message=str(fields["message"] or ""))
        return cls(**fields)  # type: ignore[arg-type]


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
