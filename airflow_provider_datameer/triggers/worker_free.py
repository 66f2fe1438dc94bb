"""A DatameerJobSensor that never takes a worker slot: started and ended by the triggerer.

Airflow 3.3+ can start a deferrable task straight in the triggerer (``start_from_trigger``): the scheduler
creates the trigger from the operator's ``start_trigger_args`` and the triggerer renders the templated
fields named there. The trigger can also end the task itself (``end_from_trigger``) with a
``TaskSuccessEvent`` (the XCom summary), ``TaskFailedEvent`` or ``TaskSkippedEvent``. This module holds what
the sensor and the trigger need for that; the outcome rules are
:func:`airflow_provider_datameer.core.verdict.judge`, the same as in a worker, so a task's outcome, message and
summary never depend on where it ended.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_datameer.core.identifiers import pinned_execution_id
from airflow_provider_datameer.core.wait_settings import DEFER_TIMEOUT_MARGIN
from airflow_provider_datameer.links.datameer import EXECUTION_ID_KEY, JOB_URL_KEY

if TYPE_CHECKING:
    from airflow.triggers.base import StartTriggerArgs, TriggerEvent

    from airflow_provider_datameer.core.verdict import Verdict
    from airflow_provider_datameer.core.wait_settings import WaitSettings

#: The first Airflow whose triggerer renders a start-from-trigger task's templated fields (apache/airflow#53063)
#: and routes a failure sent by a trigger to the task's retries; the only versions this feature is tested on.
MIN_AIRFLOW = (3, 3)
TRIGGER_CLASS = "airflow_provider_datameer.triggers.datameer.DatameerJobTrigger"
#: The sensor's templated fields that the triggerer renders in the trigger (they are trigger kwargs too).
RENDERED_IN_TRIGGERER = ("job_id", "execution_id", "datameer_conn_id")


class WorkerFreeUnsupported(ValueError):
    """``start_from_trigger`` / ``end_from_trigger`` asked of an Airflow that cannot do it, or with a conflict."""


def installed_airflow() -> tuple[int, int, str]:
    from importlib.metadata import version

    from packaging.version import Version

    text = version("apache-airflow")
    major, minor = (*Version(text).release, 0)[:2]
    return major, minor, text


def require_support(
    *,
    start_from_trigger: bool,
    end_from_trigger: bool,
    deferrable: bool | None,
    airflow: tuple[int, int, str] | None = None,
) -> None:
    """Raise :class:`WorkerFreeUnsupported` (when the DAG is parsed) if the flags cannot be honoured here."""
    flags = [
        name for name, on in (("start_from_trigger", start_from_trigger), ("end_from_trigger", end_from_trigger)) if on
    ]
    if not flags:
        return
    asked = " and ".join(f"{flag}=True" for flag in flags)
    if deferrable is False:
        raise WorkerFreeUnsupported(
            f"DatameerJobSensor({asked}) waits in the triggerer, which deferrable=False forbids: "
            "drop deferrable=False, or drop the flag to wait in a worker."
        )
    major, minor, text = airflow or installed_airflow()
    if (major, minor) < MIN_AIRFLOW:
        raise WorkerFreeUnsupported(
            f"DatameerJobSensor({asked}) needs Airflow {'.'.join(map(str, MIN_AIRFLOW))} or newer; this is "
            f"Airflow {text}. Upgrade Airflow, or drop {' and '.join(flags)} and use deferrable=True, which "
            "also frees the worker slot while the job runs (the task starts and ends in a worker)."
        )


def require_renderable(fields: dict[str, Any]) -> None:
    """Refuse templated fields that the triggerer cannot render without stalling (XCom pulls).

    Seen on Airflow 3.3.2: a plain ``ti.xcom_pull(task_ids=...)`` in a start-from-trigger task is never
    answered (the trigger never starts); with ``map_indexes=-1`` it is answered, but only after the
    triggerer's event loop stalled for about a minute, holding up every trigger it runs.
    """
    for name, value in fields.items():
        if not (value is None or isinstance(value, int | str)) or "xcom_pull" in str(value):
            raise WorkerFreeUnsupported(
                f"DatameerJobSensor(start_from_trigger=True) cannot take {name}={value!r}: the triggerer renders "
                "it, and pulling XCom there stalls or never returns (Airflow 3.3). Leave execution_id unset (the "
                "sensor waits for the job's current run), or drop start_from_trigger and keep end_from_trigger=True "
                "(a worker renders the field and defers; the triggerer still ends the task)."
            )


def start_trigger_args(sensor: Any) -> StartTriggerArgs:
    """What the scheduler needs to create the sensor's trigger itself: its wait settings, with the fields the
    triggerer renders left as written (templates) and no clock read yet (the trigger starts it)."""
    from airflow.triggers.base import StartTriggerArgs

    fields = {name: getattr(sensor, name) for name in RENDERED_IN_TRIGGERER}
    require_renderable(fields)
    kwargs = {**sensor.wait_settings.to_kwargs(), **fields, "waiting_since": None, "deadline": None}
    timeout = sensor.wait_settings.timeout
    return StartTriggerArgs(
        trigger_cls=TRIGGER_CLASS,
        next_method="execute_complete",
        trigger_kwargs=kwargs,
        next_kwargs=None,
        timeout=None if timeout is None else timedelta(seconds=timeout + DEFER_TIMEOUT_MARGIN),
    )


def started_by_scheduler(settings: WaitSettings, timeout_after: Any) -> WaitSettings:
    """The settings of a trigger the scheduler started (no worker bound them): the execution id as rendered
    here, and a deadline from Airflow's trigger timeout (or the settings' ``timeout``). Others are unchanged."""
    if settings.deadline is not None or settings.deferred_at is not None:
        return settings
    execution_id = pinned_execution_id(settings.execution_id)
    deadline = deadline_from(timeout_after, settings.timeout, settings.started)
    return replace(settings, execution_id=execution_id, deadline=deadline)


def in_triggerer(trigger: Any) -> bool:
    """Whether Airflow's triggerer runs this trigger: it numbers every trigger it runs. ``airflow dags test``
    runs a trigger in-process, unnumbered, and only resumes the task with a plain event (no worker exit to
    race with, no task-ending events), so a trigger there behaves as with ``end_from_trigger=False``."""
    return getattr(trigger, "trigger_id", None) is not None


def deadline_from(timeout_after: Any, timeout: float | None, started: float) -> float | None:
    """The wall-clock deadline of a trigger that the scheduler started (no worker computed one).

    Airflow's trigger timeout (``timeout_after``, stored with the task, so it survives triggerer restarts)
    was set to the sensor's timeout plus a margin when the task deferred; without it, ``started + timeout``.
    """
    if timeout_after is not None:
        return float(timeout_after.timestamp()) - DEFER_TIMEOUT_MARGIN
    return None if timeout is None else started + timeout


async def end_event(verdict: Verdict, hook: Any, log: Any, *, soft_fail: bool) -> TriggerEvent:
    """The event that ends the task in the triggerer: the outcome a worker would give, with its XComs.

    Failure messages go to the task's log (the trigger's log lines are part of it), as the worker's
    exception message would.
    """
    from airflow.triggers.base import TaskFailedEvent, TaskSkippedEvent, TaskSuccessEvent

    from airflow_provider_datameer.core.errors import DatameerError
    from airflow_provider_datameer.core.verdict import details_unreadable, judge, needs_details

    details = None
    if needs_details(verdict):
        try:
            details = await hook.aget_job_details(verdict.execution_id)
        except (DatameerError, ValueError) as exc:
            details_unreadable(verdict, exc, log)
    xcoms = await _run_xcoms(verdict, hook)
    judgement = judge(verdict, details, soft_fail=soft_fail)
    if judgement.kind == "skipped":
        log.info("Skipping: %s", judgement.message)
        return TaskSkippedEvent(xcoms=xcoms)
    if judgement.kind != "success":
        log.error("%s: %s", _FAILURE_NAMES[judgement.kind], judgement.message)
        return TaskFailedEvent(xcoms=xcoms)
    log.info("%s", judgement.message)
    return TaskSuccessEvent(xcoms={"return_value": judgement.summary, **(xcoms or {})})


#: The exception a worker would raise for each failed judgement; the triggerer's log line names it the same way.
_FAILURE_NAMES = {"timeout": "DatameerJobTimeout", "failed": "DatameerJobFailed"}


async def _run_xcoms(verdict: Verdict, hook: Any) -> dict[str, Any] | None:
    """The execution id and Datameer UI URL that a worker would have pushed before waiting."""
    if verdict.execution_id is None:
        return None
    await hook.aconfig()  # job_url reads the connection that the async lookup has cached
    url = hook.job_url(file_id=verdict.file_id, execution_id=verdict.execution_id)
    return {EXECUTION_ID_KEY: verdict.execution_id, JOB_URL_KEY: url}
