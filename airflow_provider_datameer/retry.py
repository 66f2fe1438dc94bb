"""The one place that decides what is retried and how long to wait (sync and async paths alike).

Retried: :class:`~airflow_provider_datameer.errors.DatameerTransientError` (connection failures,
timeouts, 429, 5xx). A command that starts a run (``Endpoint.idempotent`` false) is retried only when the
server cannot have acted on it (connection refused, 429, 503), so a timeout after sending a trigger never
starts a second run. Waits grow exponentially with jitter and honour ``Retry-After``.

The hook makes the first attempt itself and hands tenacity only a failed one (:func:`replay`), so a
request that succeeds at once builds no retry objects; every decision after a failure is tenacity's.
"""

from __future__ import annotations

from typing import Any

from tenacity import (
    AsyncRetrying,
    AttemptManager,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from airflow_provider_datameer.api import Endpoint
from airflow_provider_datameer.config import RetryPolicy
from airflow_provider_datameer.errors import DatameerTransientError


def is_retryable(exc: BaseException, endpoint: Endpoint) -> bool:
    """Whether repeating the command after ``exc`` is both useful and safe."""
    if not isinstance(exc, DatameerTransientError):
        return False
    if endpoint.idempotent or not exc.may_have_reached_server:
        return True
    exc.hint = UNSAFE_TO_REPEAT_HINT  # the user must know why this one was not retried
    return False


UNSAFE_TO_REPEAT_HINT = (
    "Not retried: Datameer may have started the run already. Check the job's status before starting it "
    "again; DatameerTriggerJobOperator's if_running='wait' (the default) joins that run on a task retry."
)


class _Wait:
    """Exponential backoff with jitter, stretched to the server's ``Retry-After`` when it sent one."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self._backoff = wait_exponential(multiplier=policy.backoff, max=policy.max_backoff) + wait_random(
            0, policy.backoff
        )

    def __call__(self, state: RetryCallState) -> float:
        wait = self._backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            wait = max(wait, min(retry_after, self._policy.max_retry_after))
        return wait


def _give_up(state: RetryCallState) -> Any:
    """Re-raise the last error, noting how many attempts were spent (shown in its message)."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, DatameerTransientError):
        exc.attempts = state.attempt_number
    if exc is not None:
        raise exc
    return None


def retry_settings(policy: RetryPolicy, endpoint: Endpoint, log: Any) -> dict[str, Any]:
    """Keyword arguments for ``tenacity.Retrying`` and ``tenacity.AsyncRetrying`` alike."""

    def log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "Datameer %s: %s; retrying in %.1f s (attempt %d of %d)",
            endpoint.command,
            exc,
            state.upcoming_sleep,
            state.attempt_number + 1,
            policy.attempts,
        )

    return {
        "stop": stop_after_attempt(policy.attempts),
        "wait": _Wait(policy),
        "retry": retry_if_exception(lambda exc: is_retryable(exc, endpoint)),
        "before_sleep": log_retry,
        "retry_error_callback": _give_up,
        "reraise": True,
    }


def retrying(policy: RetryPolicy, endpoint: Endpoint, log: Any) -> Retrying:
    """The blocking retry loop of one command."""
    return Retrying(**retry_settings(policy, endpoint, log))


def aretrying(policy: RetryPolicy, endpoint: Endpoint, log: Any) -> AsyncRetrying:
    """The async retry loop of one command."""
    return AsyncRetrying(**retry_settings(policy, endpoint, log))


def replay(attempt: AttemptManager, first_failure: BaseException) -> None:
    """Inside tenacity's first attempt, re-raise the failure of the attempt the caller already made.

    Tenacity then decides about it exactly as if it had made that attempt itself (retry or not, wait, log,
    give up), and the caller's later attempts are tenacity's second, third, ...
    """
    if attempt.retry_state.attempt_number == 1:
        raise first_failure
