"""Helpers to drive operators and triggers outside a scheduler: the task-instance stand-in records XCom;
everything Datameer-facing is real (emulator over loopback)."""

from __future__ import annotations

import asyncio
from typing import Any

from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator, DatameerTriggerJobOperator
from airflow_provider_datameer.sensors.datameer import DatameerJobSensor
from tests.integration import IMPORT, LONG

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


def trigger_op(**kw: Any) -> DatameerTriggerJobOperator:
    """The trigger operator on the import job with a fast poll; keyword arguments override."""
    kw.setdefault("job_id", IMPORT)
    kw.setdefault("poll_interval", 0.2)
    return DatameerTriggerJobOperator(task_id="run", **kw)


def sensor(**kw: Any) -> DatameerJobSensor:
    """The sensor on the import job with a fast poke and a generous timeout; keyword arguments override."""
    kw.setdefault("job_id", IMPORT)
    kw.setdefault("poke_interval", 0.2)
    kw.setdefault("timeout", 60)
    return DatameerJobSensor(task_id="wait", **kw)


def stop_op(**kw: Any) -> DatameerStopJobOperator:
    """The stop operator on the long job with a fast termination poll; keyword arguments override."""
    kw.setdefault("job_id", LONG)
    kw.setdefault("poll_interval", 0.2)
    return DatameerStopJobOperator(task_id="stop", **kw)


def task_log(capsys: Any, caplog: Any) -> str:
    """What the task logged: Airflow's structlog writes to stdout, plain ``logging`` to caplog."""
    return capsys.readouterr().out + caplog.text
