"""Sans-I/O procedures and the two drivers that run them.

A procedure is a generator that yields :class:`Send` (a request for Datameer) or :class:`Sleep` steps and
returns its result. The driver answers each ``Send`` with the command's typed result, or throws the
:class:`~airflow_provider_datameer.core.errors.DatameerError` that the transport raised into the procedure,
which decides what it means. Waiting, retrying and stopping are procedures; :func:`drive` runs them over
the blocking transport (poke mode, worker wait, operators) and :func:`adrive` over the async one
(triggerer), so the two paths make the same decisions by construction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_datameer.core.endpoints import Request
from airflow_provider_datameer.core.errors import DatameerError

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Send this request once; the answer (or the error) comes back into the procedure."""

    request: Request


@dataclass(frozen=True)
class Sleep:
    """Wait this many seconds before the next step."""

    seconds: float


Step = Send | Sleep
Procedure = Generator[Step, Any, T]


def _advance(procedure: Procedure[T], reply: Any, error: DatameerError | None) -> Step:
    return procedure.throw(error) if error is not None else procedure.send(reply)


def drive(procedure: Procedure[T], send: Callable[[Request], Any], sleep: Callable[[float], None]) -> T:
    """Run a procedure to its end with a blocking ``send`` and ``sleep``."""
    reply: Any = None
    error: DatameerError | None = None
    while True:
        try:
            step = _advance(procedure, reply, error)
        except StopIteration as done:
            return done.value
        reply, error = None, None
        if isinstance(step, Sleep):
            sleep(step.seconds)
            continue
        try:
            reply = send(step.request)
        except DatameerError as exc:
            error = exc


async def adrive(
    procedure: Procedure[T], send: Callable[[Request], Awaitable[Any]], sleep: Callable[[float], Awaitable[Any]]
) -> T:
    """Run a procedure to its end with an async ``send`` and ``sleep`` (the triggerer's event loop)."""
    reply: Any = None
    error: DatameerError | None = None
    while True:
        try:
            step = _advance(procedure, reply, error)
        except StopIteration as done:
            return done.value
        reply, error = None, None
        if isinstance(step, Sleep):
            await sleep(step.seconds)
            continue
        try:
            reply = await send(step.request)
        except DatameerError as exc:
            error = exc
