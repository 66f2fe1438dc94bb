"""The wait, the stop and the V1 run lookup as sans-I/O procedures (see :mod:`~airflow_provider_datameer.core.steps`).

Each takes the connection's settings (endpoint table and retry policy) and yields
:class:`~airflow_provider_datameer.core.steps.Send` / :class:`~airflow_provider_datameer.core.steps.Sleep`
steps; the hook's ``run`` (blocking) or ``arun`` (async) drives it. Every request goes through
:func:`~airflow_provider_datameer.core.retry.retried`, so a poll, a stop or a trigger is retried by one policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_datameer.core.connection import DatameerConnectionConfig
from airflow_provider_datameer.core.endpoints import (
    GENERATIONS,
    Request,
    details_request,
    history_request,
    kill_request,
)
from airflow_provider_datameer.core.errors import DatameerError, DatameerNotFoundError, DatameerUnexpectedResponseError
from airflow_provider_datameer.core.models import ExecutionStatus, HistoryEntry, JobDetails
from airflow_provider_datameer.core.retry import retried
from airflow_provider_datameer.core.status import TERMINAL_STATES, DatameerJobStatus
from airflow_provider_datameer.core.steps import Procedure, Sleep
from airflow_provider_datameer.core.verdict import Verdict
from airflow_provider_datameer.core.wait_settings import WaitSettings
from airflow_provider_datameer.core.watch import ExecutionWatch

Clock = Callable[[], float]
#: How many of a configuration's newest runs (V1 job history) are searched for an execution handed in by a user.
HISTORY_CHECKED = 50


def call(config: DatameerConnectionConfig, request: Request, log: Any) -> Procedure[Any]:
    """One command with the connection's retry policy."""
    return retried(request, config.retry, log)


def poll(
    watch: ExecutionWatch, config: DatameerConnectionConfig, log: Any, clock: Clock = time.time
) -> Procedure[Verdict | None]:
    """One poll (plus the job-details read it may call for at once); the verdict once the wait is over."""
    while True:
        try:
            answer: Any = yield from call(config, watch.next_request(config.endpoints), log)
        except (DatameerError, ValueError) as exc:
            answer = exc
        verdict = watch.take(answer, clock())
        if verdict is not None or not watch.details_due or watch.consecutive_errors:
            return verdict


def wait(
    watch: ExecutionWatch, config: DatameerConnectionConfig, log: Any, clock: Clock = time.time
) -> Procedure[Verdict]:
    """Poll until the execution ends or the settings' deadline passes (then a ``timeout`` verdict)."""
    settings = watch.settings
    while True:
        if settings.deadline is not None and clock() >= settings.deadline:
            return watch.timed_out(f"after {clock() - watch.waiting_since:.0f} s")
        verdict = yield from poll(watch, config, log, clock)
        if verdict is not None:
            return verdict
        delay = watch.delay(settings.poll_interval, clock(), floor=settings.min_poll_interval)
        if settings.deadline is not None:
            delay = min(delay, max(0.0, settings.deadline - clock()))
        yield Sleep(delay)


@dataclass(frozen=True)
class StopResult:
    """What a stop did: ``stopped`` when a stop command was sent; ``refused`` when ownership forbade it, with
    ``reason`` the refusal without its fix (``message`` adds the Python way to stop it on purpose)."""

    stopped: bool
    message: str
    execution_id: int | None
    status: DatameerJobStatus | None
    refused: bool = False
    file_id: int | None = None
    reason: str = ""


def stop(
    settings: WaitSettings,
    config: DatameerConnectionConfig,
    log: Any,
    *,
    by_id: bool = False,
    any_job: bool = False,
) -> Procedure[StopResult]:
    """Stop the settings' execution (or, with none pinned, the job's current run) if it is the job's and active.

    The job's own current run is stopped by the V2 stop where there is one (unless ``by_id``); any other
    execution by V1 job-kill, its id named. An execution the job does not show is stopped only when it is
    ours (our trigger returned it), its details name the job, (V1) the configuration's job history lists
    it, or ``any_job`` says to stop it whichever job it belongs to; otherwise the stop is refused, with the way
    to do it on purpose.
    """
    generation = GENERATIONS[settings.api_version]
    job, ours = settings.job_id, settings.execution_id
    latest: ExecutionStatus = yield from call(config, generation.status_request(config.endpoints, job), log)
    owned = any_job or settings.execution_owned or ours is None or latest.execution_id == ours
    target = latest.execution_id if ours is None else ours
    if target is None or (latest.status is DatameerJobStatus.NONE and not owned):
        return _refused_or_idle(settings, latest, target)
    current: ExecutionStatus | JobDetails = latest
    if target != latest.execution_id:
        try:
            current = yield from call(config, details_request(config.endpoints, target), log)
        except DatameerNotFoundError:
            if owned:
                raise
            return _refused_or_idle(settings, latest, target)
        owned = owned or _names_job(current, settings, latest)
        if not owned and settings.api_version == 1:
            owned = yield from _in_history(settings, config, target, log)
        if not owned:
            return _refused_or_idle(settings, latest, target)
    if current.status in TERMINAL_STATES or current.status is DatameerJobStatus.NONE:
        ended = f"execution {target} had already ended ({current.status.value}); nothing to stop"
        return StopResult(False, ended, target, current.status, file_id=latest.file_id)
    current_run = target == latest.execution_id and not by_id
    request = generation.stop_current_request(config.endpoints, job) if current_run else None
    yield from call(config, request or kill_request(config.endpoints, target), log)
    stopped = f"the Datameer job (execution {target}) was stopped"
    return StopResult(True, stopped, target, current.status, file_id=latest.file_id)


def _names_job(details: ExecutionStatus | JobDetails, settings: WaitSettings, latest: ExecutionStatus) -> bool:
    """Whether an execution's details name the job (only some server versions put a job reference there)."""
    if not isinstance(details, JobDetails):
        return False
    if settings.api_version == 1:
        return details.configuration_id is not None and str(details.configuration_id) == str(settings.job_id)
    ours = latest.file_id if latest.file_id is not None else settings.job_id
    return details.file_id is not None and str(details.file_id) == str(ours)


def _in_history(
    settings: WaitSettings, config: DatameerConnectionConfig, execution_id: int, log: Any
) -> Procedure[bool]:
    """V1: whether the configuration's job history lists the execution (Datameer's own word that it is the job's)."""
    request = history_request(config.endpoints, settings.job_id, length=HISTORY_CHECKED)
    entries: list[HistoryEntry] = yield from call(config, request, log)
    return any(entry.execution_id == execution_id for entry in entries)


def _refused_or_idle(settings: WaitSettings, latest: ExecutionStatus, target: int | None) -> StopResult:
    if target is None:
        return StopResult(False, f"Datameer job {settings.job_id} has never run; nothing to stop", None, latest.status)
    shown = "has never run" if latest.execution_id is None else f"shows execution {latest.execution_id}"
    reason = (
        f"Refusing to stop execution {target}: Datameer job {settings.job_id} {shown}, and nothing Datameer "
        f"returns says execution {target} belongs to it."
    )
    fix = f"To stop it on purpose, name its own job, or call DatameerHook().stop_job_v1({target}) directly."
    return StopResult(False, f"{reason} {fix}", target, latest.status, refused=True, reason=reason)


def find_new_run(
    settings: WaitSettings, config: DatameerConnectionConfig, previous: int | None, log: Any, clock: Clock = time.time
) -> Procedure[int]:
    """After a V1 trigger: the first execution newer than ``previous`` that the configuration's status shows.

    The V1 trigger's answer is not documented, so the new run is found the way Datameer documents it: by
    its status (and history) moving on. Gives up after the settings' ``no_execution_grace``, or at their
    ``deadline`` (the task's timeout) when that comes first or there is no grace.
    """
    generation = GENERATIONS[settings.api_version]
    started = clock()
    grace = settings.no_execution_grace
    while True:
        latest: ExecutionStatus = yield from call(
            config, generation.status_request(config.endpoints, settings.job_id), log
        )
        if latest.execution_id is not None and (previous is None or latest.execution_id > previous):
            return latest.execution_id
        now = clock()
        if settings.deadline is not None and now >= settings.deadline:
            given_up = "before the task's timeout"
        elif grace is not None and now - started >= grace:
            given_up = f"within {grace:g} s (no_execution_grace)"
        else:
            pause = settings.min_poll_interval
            yield Sleep(pause if settings.deadline is None else min(pause, settings.deadline - now))
            continue
        raise DatameerUnexpectedResponseError(
            f"the V1 trigger was accepted but no new execution of configuration {settings.job_id} appeared in "
            f"its status {given_up} (latest: {previous})",
            command=generation.trigger,
            hint="Check the job in Datameer; raise no_execution_grace or the timeout if runs take long to be queued.",
        )
