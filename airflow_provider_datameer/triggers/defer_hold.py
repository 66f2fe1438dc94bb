"""Hold a trigger's terminal event until the task's deferral has settled in Airflow.

On Airflow 3.2-3.3 a task whose trigger fires within seconds of its deferral can be failed by the stale
"success" the executor reports for the worker process that exited to defer (apache/airflow#66374, #72716,
#71580): when the scheduler reads that report only after the resumed try has started, it takes it for a
state mismatch and fails the task. The report is read within a few scheduler loops of the exit, so an
event delivered ``settle_seconds`` after the deferral meets a task whose defer exit is already accounted for.

The hold costs nothing for a job that runs longer than ``settle_seconds`` after the deferral, and at most
``settle_seconds`` for one that ends sooner. A task started in the triggerer (``start_from_trigger``) never
ran in a worker, has no worker exit to wait for, and is not held (``deferred_at=None``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from airflow_provider_datameer.core.wait_settings import DEFAULT_SETTLE_SECONDS  # chosen with benchmarks/defer_race.py


def settle_seconds() -> float:
    """``[datameer] defer_settle_seconds`` (env ``AIRFLOW__DATAMEER__DEFER_SETTLE_SECONDS``); 0 turns the hold off."""
    from airflow.providers.common.compat.sdk import conf

    raw = conf.get("datameer", "defer_settle_seconds", fallback=None)
    if raw is None or raw == "":
        return DEFAULT_SETTLE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ValueError(
            f"[datameer] defer_settle_seconds is {raw!r}: give seconds between 0 (no hold) and 3600, "
            f"or leave it unset for the default {DEFAULT_SETTLE_SECONDS:g}"
        )
    return value


def settle_delay(deferred_at: float | None, settle_seconds: float, now: float | None = None) -> float:
    """Seconds still to wait before the event may go out: 0 when the deferral is old enough or unknown."""
    if deferred_at is None or settle_seconds <= 0:
        return 0.0
    now = time.time() if now is None else now
    return max(0.0, deferred_at + settle_seconds - now)


async def hold_until_settled(deferred_at: float | None, settle_seconds: float, log: Any) -> None:
    """Sleep until ``settle_seconds`` after ``deferred_at`` (epoch seconds of the deferral), if not yet."""
    delay = settle_delay(deferred_at, settle_seconds)
    if delay > 0:
        log.info(
            "Holding the event %.1f s, until %g s after the task deferred (Airflow defer race)", delay, settle_seconds
        )
        await asyncio.sleep(delay)
