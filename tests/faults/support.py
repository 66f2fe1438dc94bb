"""Helpers of the fault matrix: task factories, fault timing and background actions against the emulator.

Everything Datameer-facing stays real (the emulator over loopback); these helpers only decide *when* a
fault or an action happens relative to the task, so that each case hits the phase it is about.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from airflow_provider_datameer.sensors.datameer import DatameerJobSensor
from tests import support as shared


def sensor(**kw: Any) -> DatameerJobSensor:
    """The shared sensor (tests/support.py), deferrable unless told otherwise (the fault matrix runs both modes)."""
    return shared.sensor(**{"deferrable": True, **kw})


#: Run a test with the wait deferred to the trigger (async transport) and in the worker (sync transport).
BOTH_MODES = pytest.mark.parametrize("deferrable", [True, False], ids=["deferred", "worker"])


def fault_while_waiting(emulator: Any, **rule: Any) -> int:
    """Add a fault rule on V2 status that spares the trigger operator's one status read before it triggers
    (``if_running`` check), so the fault hits the polls of the wait. A zero-second delay rule counted once
    comes first: the emulator charges the first matching rule, which answers normally.
    """
    emulator.client.add_fault(kind="delay", seconds=0, endpoint="status_v2", count=1)
    return emulator.client.add_fault(endpoint="status_v2", **rule)


def after_trigger(emulator: Any, endpoint: str) -> list[dict[str, Any]]:
    """Requests of ``endpoint`` logged after the (first) V2 trigger."""
    entries = shared.logged(emulator)
    first = next(i for i, r in enumerate(entries) if r["endpoint"] == "trigger_v2")
    return [r for r in entries[first + 1 :] if r["endpoint"] == endpoint]


@contextmanager
def on_request(client: Any, endpoint: str, action: Callable[[], None], deadline: float = 30.0) -> Iterator[None]:
    """Run ``action`` in a background thread as soon as the emulator's log shows a request of ``endpoint``.

    The block runs the task meanwhile. On exit the thread is joined and any error it met is raised, so a
    broken action fails the test instead of going unnoticed. ``client`` is read before the action runs
    (an action may take the server down).
    """
    errors: list[BaseException] = []

    def run() -> None:
        try:
            end = time.monotonic() + deadline
            while not client.requests(endpoint):
                if time.monotonic() > end:
                    raise AssertionError(f"no {endpoint} request within {deadline} s")
                time.sleep(0.02)
            action()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"on-{endpoint}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join(deadline + 60)
    if errors:
        raise errors[0]


@contextmanager
def outage(server: Any, seconds: float | None, *, after_endpoint: str = "trigger_v2") -> Iterator[None]:
    """Take the emulator down (``EmulatorServer.stop()``, state kept) once ``after_endpoint`` was served,
    and bring it back on the same port ``seconds`` later — or, with ``None``, when the block ends.
    The server is always up again when the block is left.
    """
    over = threading.Event()

    def down_then_up() -> None:
        server.stop()
        try:
            over.wait(seconds)
        finally:
            server.start()

    try:
        with on_request(server.client, after_endpoint, down_then_up):
            try:
                yield
            finally:
                if seconds is None:
                    over.set()
    finally:
        server.start()  # a no-op when running; restores it if the action failed half-way
