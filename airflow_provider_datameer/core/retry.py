"""The one place that decides what is retried and how long to wait, as a sans-I/O procedure.

Retried: :class:`~airflow_provider_datameer.core.errors.DatameerTransientError` (connection failures,
timeouts, 429, 5xx). A command that starts a run (``Endpoint.idempotent`` false) is retried only when the
server cannot have acted on it (connection refused, 429, 503), so a timeout after sending a trigger never
starts a second run. Waits grow exponentially with jitter and honour ``Retry-After``.

:func:`retried` yields the request, and a :class:`~airflow_provider_datameer.core.steps.Sleep` before each
repeat; the drivers of :mod:`airflow_provider_datameer.core.steps` run it on either transport. A request
that succeeds at once costs one generator step.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from airflow_provider_datameer.core.connection import RetryPolicy
from airflow_provider_datameer.core.endpoints import Endpoint, Request
from airflow_provider_datameer.core.errors import DatameerTransientError
from airflow_provider_datameer.core.steps import Procedure, Send, Sleep

UNSAFE_TO_REPEAT_HINT = (
    "Not retried: Datameer may have started the run already. Check the job's status before starting it "
    "again; DatameerTriggerJobOperator's if_running='wait' (the default) joins that run on a task retry."
)


def is_retryable(exc: BaseException, endpoint: Endpoint) -> bool:
    """Whether repeating the command after ``exc`` is both useful and safe."""
    if not isinstance(exc, DatameerTransientError):
        return False
    return endpoint.idempotent or not exc.may_have_reached_server


def backoff(policy: RetryPolicy, attempt: int, retry_after: float | None, jitter: Callable[[], float]) -> float:
    """Seconds before attempt ``attempt + 1``: exponential with jitter, stretched to the server's Retry-After."""
    wait = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1)) + jitter() * policy.backoff
    if retry_after:
        wait = max(wait, min(retry_after, policy.max_retry_after))
    return wait


def retried(
    request: Request, policy: RetryPolicy, log: Any, *, jitter: Callable[[], float] = random.random
) -> Procedure[Any]:
    """Send ``request`` until it succeeds, fails for good, or the policy's attempts are spent.

    The error that ends it carries the number of attempts made (shown in its message) and, for a run that
    may have started, the hint that says why it was not repeated.
    """
    attempt = 1
    while True:
        log.debug("Datameer %s: %s %s", request.command, request.method, request.path)
        try:
            return (yield Send(request))
        except DatameerTransientError as exc:
            if not is_retryable(exc, request.endpoint):
                exc.hint = UNSAFE_TO_REPEAT_HINT
                exc.attempts = attempt
                raise
            if attempt >= policy.attempts:
                exc.attempts = attempt
                raise
            wait = backoff(policy, attempt, exc.retry_after, jitter)
            log.warning(
                "Datameer %s: %s; retrying in %.1f s (attempt %d of %d)",
                request.command,
                exc,
                wait,
                attempt + 1,
                policy.attempts,
            )
            attempt += 1
            yield Sleep(wait)
