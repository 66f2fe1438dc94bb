"""Run triggers the way Airflow's triggerer does: one task per trigger on one event loop, each iterating
its ``run()`` async generator until the first event, which is time-stamped when it arrives."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Fired:
    """What one trigger did: its event payload and when it arrived (epoch), or the error it raised."""

    index: int
    event: dict[str, Any] | None = None
    fired_at: float | None = None
    error: str | None = None
    started_at: float | None = None


async def _consume(index: int, trigger: Any, fired: list[Fired], delay: float) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    record = fired[index]
    record.started_at = time.time()
    events = trigger.run()
    try:
        async for event in events:
            record.fired_at = time.time()
            record.event = event.payload
            break
    except Exception as exc:  # a trigger that raises: the triggerer would fail the task
        record.error = f"{type(exc).__name__}: {exc}"
    finally:
        await events.aclose()


async def run_triggers(triggers: Sequence[Any], *, ramp: float = 0.0, deadline: float | None = None) -> list[Fired]:
    """Run every trigger concurrently until each has fired or ``deadline`` (epoch) passes.

    ``ramp`` spreads the trigger starts evenly over that many seconds: a triggerer picks deferred tasks up
    as they defer, never thousands in the same instant. Triggers still running at the deadline are
    cancelled and reported with ``error="no event before the deadline"``.
    """
    fired = [Fired(i) for i in range(len(triggers))]
    step = ramp / len(triggers) if triggers else 0.0
    tasks = [asyncio.create_task(_consume(i, t, fired, i * step)) for i, t in enumerate(triggers)]
    timeout = None if deadline is None else max(0.0, deadline - time.time())
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for record in fired:
        if record.event is None and record.error is None:
            record.error = "no event before the deadline"
    return fired
