"""Helpers to drive operators and triggers outside a scheduler: the task-instance stand-in records XCom;
everything Datameer-facing is real (emulator over loopback)."""

from __future__ import annotations

import asyncio
from typing import Any

from airflow.providers.common.compat.sdk import TaskDeferred

FAST = {"queue_seconds": 0.2, "run_seconds": 0.8}


class RecordingTI:
    """Stands in for Airflow's TaskInstance: only XCom pushes are needed by our operators."""

    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def context() -> dict[str, Any]:
    return {"ti": RecordingTI()}


async def first_event(trigger: Any, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109 (bounds a test)
    """Run a trigger until its first event, as the triggerer would."""

    async def first() -> dict[str, Any]:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("trigger ended without an event")

    return await asyncio.wait_for(first(), timeout)


def run_deferrable(operator: Any, ctx: dict[str, Any]) -> Any:
    """execute(); if it defers, run the trigger to its event and resume in the named method."""
    try:
        return operator.execute(ctx)
    except TaskDeferred as deferred:
        event = asyncio.run(_event_and_close(deferred.trigger))
        return getattr(operator, deferred.method_name)(ctx, event)


async def _event_and_close(trigger: Any) -> dict[str, Any]:
    return await first_event(trigger)


def requests_for(emulator: Any, *endpoints: str) -> list[dict[str, Any]]:
    return [r for r in emulator.client.requests() if r["endpoint"] in endpoints]
