"""The settings of one wait, validated once and carried whole from the task to the triggerer.

:class:`WaitSettings` is built by the trigger operator, the sensor and the stop operator when they are
constructed (so a careless interval fails at DAG parse, before anything reaches Datameer), bound to the
rendered job and the clock when the task runs (:meth:`WaitSettings.bind`), and serialised by the trigger
(:meth:`WaitSettings.to_kwargs` / :meth:`WaitSettings.from_kwargs`). Every default is written here once.
Pure: no Airflow and no I/O, so DAG files pay nothing for it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta
from typing import Any

from airflow_provider_datameer.core.values import seconds

DEFAULT_POLL_INTERVAL = 30.0
DEFAULT_MAX_CONSECUTIVE_ERRORS = 5
DEFAULT_NO_EXECUTION_GRACE = 120.0
#: The Airflow connection a task, the hook and the command line use unless told otherwise.
DEFAULT_CONN_ID = "datameer_default"
#: Shorter intervals would poll Datameer in a busy loop (and monopolise a triggerer's event loop).
MIN_POLL_INTERVAL = 0.1
#: The longest interval, grace or timeout accepted: beyond a year a number is a mistake, not a plan.
MAX_SECONDS = 366 * 24 * 3600.0
MAX_CONSECUTIVE_ERRORS_LIMIT = 1000
API_VERSIONS = (1, 2)
#: Airflow's defer timeout is a backstop this far behind the trigger's own deadline, whose event says more.
DEFER_TIMEOUT_MARGIN = 60.0
#: Seconds after a deferral before a terminal event is delivered (Airflow's defer race, see settle.py).
DEFAULT_SETTLE_SECONDS = 10.0


def check_api_version(value: object) -> int | None:
    """A task's ``api_version``: 1, 2, or ``None`` (the connection's); ``ValueError`` naming it otherwise."""
    if value is not None and (isinstance(value, bool) or value not in API_VERSIONS):
        raise ValueError(f"api_version must be 1, 2 or None (the connection's default), got {value!r}")
    return value


def check_seconds(value: object, name: str, *, minimum: float = 0.0, optional: bool = False) -> float | None:
    """``value`` as finite seconds in ``[minimum, MAX_SECONDS]``; ``ValueError`` naming ``name`` otherwise."""
    if value is None and optional:
        return None
    number = seconds(value)
    if number is None or not minimum <= number <= MAX_SECONDS:
        floor = f"at least {minimum:g}" if minimum else "non-negative"
        raise ValueError(
            f"{name} must be a number of seconds, {floor} and at most {MAX_SECONDS:g} (one year), got {value!r}"
            + (f"; below {MIN_POLL_INTERVAL:g} s Datameer would be polled in a busy loop" if minimum else "")
        )
    return number


def check_interval(value: object, name: str) -> float:
    """A polling interval: finite, at least :data:`MIN_POLL_INTERVAL`, at most :data:`MAX_SECONDS`."""
    checked = check_seconds(value, name, minimum=MIN_POLL_INTERVAL)
    assert checked is not None
    return checked


@dataclass(frozen=True)
class WaitSettings:
    """Everything that decides how one wait for a Datameer execution goes.

    :param job_id: file id, uuid or path (``api_version=2``) or configuration id (``api_version=1``); may be a
        Jinja template until :meth:`bind`.
    :param execution_id: the execution to wait for; ``None`` pins the first one the job's status shows.
    :param execution_owned: the execution is known to be the job's own (its trigger returned it, or its
        status showed it); otherwise ownership is checked before any outcome is believed.
    :param poll_interval: seconds between polls (shortened near a running job's estimated end).
    :param min_poll_interval: the shortest wait adaptive polling may choose.
    :param timeout: seconds the wait may last (``None``: no limit); :meth:`bind` turns it into ``deadline``.
    :param deadline: wall-clock epoch seconds at which the wait ends with a timeout.
    :param waiting_since: epoch seconds the wait began (grace periods survive triggerer restarts).
    :param no_execution_grace: seconds "no execution yet" stays pending; ``None`` waits until the deadline.
    :param max_consecutive_errors: failed polls in a row (after each request's own retries) before giving up.
    :param stop_on_kill: stop the Datameer run when the task is killed (trigger kill path, Airflow 3.3+).
    :param deferred_at: epoch seconds the task deferred from a worker; a terminal event is held until
        ``settle_seconds`` after it (the defer-race hold, ``triggers/defer_hold.py``). ``None``: no worker exit
        to wait for.
    :param end_from_trigger: the trigger ends the task itself (:mod:`airflow_provider_datameer.triggers.worker_free`);
        ``soft_fail`` then skips it on timeout.
    """

    job_id: int | str
    execution_id: int | None = None
    datameer_conn_id: str = DEFAULT_CONN_ID
    poll_interval: float = DEFAULT_POLL_INTERVAL
    min_poll_interval: float = 1.0
    timeout: float | None = None
    deadline: float | None = None
    waiting_since: float | None = None
    fail_on_warnings: bool = False
    no_execution_grace: float | None = DEFAULT_NO_EXECUTION_GRACE
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS
    stop_on_kill: bool = False
    execution_owned: bool = False
    api_version: int = 2
    deferred_at: float | None = None
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    end_from_trigger: bool = False
    soft_fail: bool = False

    def __post_init__(self) -> None:
        checked = {
            "poll_interval": check_interval(self.poll_interval, "poll_interval"),
            "min_poll_interval": check_interval(self.min_poll_interval, "min_poll_interval"),
            "timeout": check_seconds(self.timeout, "timeout", optional=True),
            "no_execution_grace": check_seconds(self.no_execution_grace, "no_execution_grace", optional=True),
            "settle_seconds": check_seconds(self.settle_seconds, "settle_seconds"),
        }
        for name, value in checked.items():  # a timedelta is kept as the seconds it is (JSON-safe kwargs)
            object.__setattr__(self, name, value)
        for name in ("deadline", "waiting_since", "deferred_at"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, timedelta) or seconds(value) is None):
                raise ValueError(f"{name} must be epoch seconds, got {value!r}")
        errors = self.max_consecutive_errors
        if isinstance(errors, bool) or not isinstance(errors, int) or not 1 <= errors <= MAX_CONSECUTIVE_ERRORS_LIMIT:
            raise ValueError(
                f"max_consecutive_errors must be a whole number from 1 to {MAX_CONSECUTIVE_ERRORS_LIMIT}, "
                f"got {errors!r}"
            )
        if self.api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be 1 or 2, got {self.api_version!r}")

    def bind(
        self,
        job_id: int | str,
        execution_id: int | None,
        *,
        owned: bool,
        api_version: int | None = None,
        timeout: float | None = None,
    ) -> WaitSettings:
        """The settings of a wait that starts now, for the rendered job and the resolved API generation;
        ``timeout`` overrides the configured one (e.g. shortened to fit ``execution_timeout``)."""
        now = time.time()
        limit = self.timeout if timeout is None else timeout
        return replace(
            self,
            job_id=job_id,
            execution_id=execution_id,
            execution_owned=owned,
            api_version=self.api_version if api_version is None else api_version,
            deadline=None if limit is None else now + limit,
            waiting_since=now,
        )

    def with_execution(self, execution_id: int | None, *, owned: bool) -> WaitSettings:
        return replace(self, execution_id=execution_id, execution_owned=owned)

    @property
    def started(self) -> float:
        """When the wait began (now, for settings not yet bound)."""
        return time.time() if self.waiting_since is None else self.waiting_since

    def to_kwargs(self) -> dict[str, Any]:
        """JSON-safe keyword arguments (the trigger's serialised form; ``deadline``, once bound, wins over
        ``timeout``, which a trigger started by the scheduler turns into its deadline)."""
        kwargs = asdict(self)
        kwargs["waiting_since"] = self.started
        return kwargs

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> WaitSettings:
        """Rebuild (and re-validate) settings from :meth:`to_kwargs`; unknown keys are a ``TypeError``."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown wait setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        settings = cls(**kwargs)
        return settings if settings.waiting_since is not None else replace(settings, waiting_since=time.time())
