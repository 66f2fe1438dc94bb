"""DatameerJobCompletedTrigger (the Asset watcher) against the emulator over loopback: one event per execution
that ends after the watch started, whoever started it; resuming from Airflow's real asset state store
accessor (its supervisor channel answered in-process); outages and refusals logged, never raised."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from airflow_provider_datameer.core.completions import Watermark
from airflow_provider_datameer.triggers import watch_state
from airflow_provider_datameer.triggers.datameer import DatameerJobCompletedTrigger
from tests.support import AIRFLOW_VERSION, requires_airflow, task_log
from tests.support import requests as requests_for

pytestmark = [
    pytest.mark.usefixtures("datameer_conn", "close_sessions"),
    requires_airflow(">=3.0", "Asset watchers run event triggers from Airflow 3.0"),
]
FILE_ID, CONFIGURATION_ID = 48, 41  # the emulator's sales import job
BY_GENERATION = pytest.mark.parametrize(
    ("api_version", "job_id"), [(2, FILE_ID), (1, CONFIGURATION_ID)], ids=["v2", "v1"]
)


@pytest.fixture(autouse=True)
def no_flush_wait(monkeypatch):
    monkeypatch.setattr(watch_state.WatchState, "flush_seconds", 0.0)


class Watch:
    """The trigger's ``run()`` in a background task, as the triggerer drives it; its events collected."""

    def __init__(self, trigger: DatameerJobCompletedTrigger) -> None:
        self.trigger = trigger
        self.events: list[dict[str, Any]] = []
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> Watch:
        async def consume() -> None:
            async for event in self.trigger.run():
                self.events.append(event.payload)

        self.task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.6)  # the first poll sets what is old
        return self

    async def until(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        async def wait() -> None:
            while len(self.events) < count:
                assert not self.task.done(), self.task  # a watcher never ends on its own
                await asyncio.sleep(0.05)

        await asyncio.wait_for(wait(), timeout)
        return self.events

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


def watcher(job_id: int | str = FILE_ID, **kw: Any) -> DatameerJobCompletedTrigger:
    kw.setdefault("poll_interval", 0.2)
    return DatameerJobCompletedTrigger(job_id=job_id, **kw)


def start_run(emulator) -> int:
    """A run started in Datameer by someone else (the control API, not the REST API), running until finished."""
    emulator.client.patch_job(FILE_ID, queue_seconds=0, run_seconds=600)
    return emulator.client.trigger_as(FILE_ID, "analyst")


def finish(emulator, execution_id: int, status: str = "COMPLETED") -> None:
    emulator.client.patch_execution(execution_id, finish=status)


# ---------------------------------------------------------------------------------------------- events
@BY_GENERATION
async def test_fires_once_per_execution_that_ends_after_the_watch_started(emulator, api_version, job_id):
    before = start_run(emulator)
    finish(emulator, before)  # ended before the watch: never fired
    async with Watch(watcher(job_id, api_version=api_version)) as watch:
        first = start_run(emulator)
        await asyncio.sleep(0.5)
        finish(emulator, first, "COMPLETED_WITH_WARNINGS")
        await watch.until(1)
        second = start_run(emulator)
        await asyncio.sleep(0.5)
        finish(emulator, second, "ERROR")  # not a watched status
        third = start_run(emulator)
        await asyncio.sleep(0.5)
        finish(emulator, third)
        events = await watch.until(2)
        await asyncio.sleep(1.0)  # more polls: nothing fires again
    assert [(e["execution_id"], e["status"]) for e in watch.events] == [
        (first, "COMPLETED_WITH_WARNINGS"),
        (third, "COMPLETED"),
    ]
    event = events[0]
    assert event["job_id"] == job_id
    assert set(event) == {
        "job_id",
        "execution_id",
        "file_id",
        "status",
        "start_time",
        "stop_time",
        "success_count",
        "failure_count",
        "counters",
    }
    assert event["stop_time"]
    assert event["success_count"] is not None
    assert event["counters"]
    details = [r for r in requests_for(emulator, "job_details") if r["path"].endswith(f"/{first}")]
    assert len(details) == 1  # job details read once for the event


async def test_a_run_pending_when_the_watch_starts_fires_when_it_ends(emulator):
    running = start_run(emulator)
    async with Watch(watcher()) as watch:
        finish(emulator, running)
        events = await watch.until(1)
    assert events[0]["execution_id"] == running


async def test_statuses_choose_the_ends_that_fire(emulator):
    async with Watch(watcher(statuses=["error", "CANCELLED"])) as watch:
        ok = start_run(emulator)
        await asyncio.sleep(0.4)
        finish(emulator, ok)
        failed = start_run(emulator)
        await asyncio.sleep(0.4)
        finish(emulator, failed, "ERROR")
        events = await watch.until(1)
    assert [(e["execution_id"], e["status"]) for e in events] == [(failed, "ERROR")]


async def test_v2_reads_a_superseded_pending_run_by_its_details(emulator):
    """V2 status shows only the latest run: one seen pending, then hidden by a newer run, is read by id."""
    emulator.client.set_switches(trigger_while_running="queue")
    async with Watch(watcher()) as watch:
        first = start_run(emulator)
        await asyncio.sleep(0.5)  # seen RUNNING
        second = start_run(emulator)  # queued behind it: V2 status now shows the second
        await asyncio.sleep(0.5)
        finish(emulator, first)
        await asyncio.sleep(0.5)
        finish(emulator, second)
        events = await watch.until(2)
    assert [e["execution_id"] for e in events] == [first, second]


# ---------------------------------------------------------------------------------------------- kwargs
def test_serialize_returns_the_given_kwargs_normalised():
    classpath, kwargs = DatameerJobCompletedTrigger(job_id="48").serialize()
    assert classpath == "airflow_provider_datameer.triggers.completions.DatameerJobCompletedTrigger"
    assert kwargs == {"job_id": 48, "datameer_conn_id": "datameer_default"}
    full = DatameerJobCompletedTrigger(
        job_id=" /Data/x.imp ", datameer_conn_id="dm", poll_interval=5, statuses=["error", "completed"], api_version=2
    ).serialize()[1]
    assert full == {
        "job_id": "/Data/x.imp",
        "datameer_conn_id": "dm",
        "poll_interval": 5.0,
        "statuses": ["COMPLETED", "ERROR"],
        "api_version": 2,
    }
    assert DatameerJobCompletedTrigger(**full).serialize()[1] == full
    for bad in ({"poll_interval": 0}, {"statuses": ["RUNNING"]}, {"api_version": 3}, {"job_id": ""}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            DatameerJobCompletedTrigger(**{"job_id": 48, **bad})


def test_watchers_of_one_connection_and_job_share_a_stream_key():
    a = watcher(statuses=["ERROR"]).shared_stream_key()
    assert a == watcher(poll_interval=9).shared_stream_key()
    assert a != watcher(job_id=57).shared_stream_key()
    assert a != watcher(datameer_conn_id="other").shared_stream_key()


async def test_two_watchers_filter_one_shared_poll(emulator):
    """What Airflow 3.3's SharedStreamManager does, by hand: one open_shared_stream, two filter_shared_stream."""
    ok, errors = watcher(), watcher(statuses=["ERROR"])
    queues: list[asyncio.Queue] = [asyncio.Queue(), asyncio.Queue()]

    async def fan_out() -> None:
        async for snap in DatameerJobCompletedTrigger.open_shared_stream(ok.serialize()[1]):
            for queue in queues:
                queue.put_nowait(snap)

    async def stream(queue: asyncio.Queue):
        while True:
            yield await queue.get()

    got: dict[str, list[int]] = {"ok": [], "errors": []}

    async def filter_into(name: str, trigger: DatameerJobCompletedTrigger, queue: asyncio.Queue) -> None:
        async for event in trigger.filter_shared_stream(stream(queue)):
            got[name].append(event.payload["execution_id"])

    tasks = [
        asyncio.ensure_future(c)
        for c in (fan_out(), filter_into("ok", ok, queues[0]), filter_into("errors", errors, queues[1]))
    ]
    try:
        await asyncio.sleep(0.6)
        emulator.client.clear_requests()
        good = start_run(emulator)
        await asyncio.sleep(0.4)
        finish(emulator, good)
        bad = start_run(emulator)
        await asyncio.sleep(0.4)
        finish(emulator, bad, "ERROR")
        await asyncio.sleep(1.0)
        polls = len(requests_for(emulator, "status_v2"))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert got == {"ok": [good], "errors": [bad]}
    assert polls <= 2.1 / 0.2 + 2  # one poll loop for both watchers


# ---------------------------------------------------------------------------------------------- once, exactly
class FakeSupervisor:
    """Answers the asset state store messages Airflow's real ``AssetStateStoreAccessors`` sends (in the
    triggerer they go to the supervisor process, which stores them in the database)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], Any] = {}

    async def asend(self, msg: Any) -> Any:
        from airflow.sdk.execution_time.comms import AssetStateStoreResult, ErrorResponse

        if type(msg).__name__ == "SetAssetStateStoreByName":
            self.values[(msg.name, msg.key)] = msg.value
            return None
        if (msg.name, msg.key) not in self.values:
            from airflow.sdk.exceptions import ErrorType

            return ErrorResponse(error=ErrorType.ASSET_STORE_NOT_FOUND)
        return AssetStateStoreResult(value=self.values[(msg.name, msg.key)])


@pytest.fixture
def state_store(monkeypatch):
    """Airflow 3.3's real accessor for one watched asset, as the triggerer injects it, and its stored values."""
    if AIRFLOW_VERSION.release < (3, 3):
        pytest.skip(f"the asset state store is Airflow 3.3+; this is {AIRFLOW_VERSION}")
    from airflow.sdk import Asset
    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time.context import AssetStateStoreAccessors

    supervisor = FakeSupervisor()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", supervisor, raising=False)
    return AssetStateStoreAccessors(inlets=[Asset(name="sales", uri="datameer://emulator/file/48")]), supervisor


async def test_resumes_from_the_state_store_without_repeating_or_missing(emulator, state_store):
    store, supervisor = state_store
    fired_before = start_run(emulator)
    finish(emulator, fired_before)
    first = watcher()
    first.asset_state_store = store
    async with Watch(first) as watch:  # the first start: the ended run is old
        assert watch.events == []
    ((key, value),) = [(k[1], v) for k, v in supervisor.values.items()]
    assert key == "datameer.completed/datameer_default/v2/48/COMPLETED,COMPLETED_WITH_WARNINGS"
    assert Watermark.from_state(value) == Watermark(fired_before)
    meanwhile = start_run(emulator)  # ends while no watcher runs (triggerer restart, watcher moving)
    finish(emulator, meanwhile)
    second = watcher()
    second.asset_state_store = store
    async with Watch(second) as watch:
        events = await watch.until(1)
        await asyncio.sleep(0.6)
    assert [e["execution_id"] for e in events] == [meanwhile]
    third = watcher()
    third.asset_state_store = store
    async with Watch(third) as watch:  # restarted again: nothing is fired twice
        await asyncio.sleep(0.6)
    assert watch.events == []


async def test_without_a_state_store_each_start_is_a_first_start(emulator):
    """Airflow 3.0-3.2: what ended while no watcher ran is not fired (docs/watch.md)."""
    meanwhile = start_run(emulator)
    finish(emulator, meanwhile)
    async with Watch(watcher()) as watch:
        await asyncio.sleep(0.6)
    assert watch.events == []


# ---------------------------------------------------------------------------------------------- faults
async def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(emulator, capsys, caplog):
    caplog.set_level(logging.INFO)
    async with Watch(watcher()) as watch:
        fault = emulator.client.add_fault(kind="http_error", status=503, endpoint="status_v2")
        await asyncio.sleep(2.0)
        running = start_run(emulator)
        finish(emulator, running)
        emulator.client.remove_fault(fault)
        await asyncio.sleep(1.0)
    log = task_log(capsys, caplog).splitlines()
    assert len([line for line in log if "Datameer is unreachable; the watch goes on" in line]) == 1
    assert len([line for line in log if "can read the job again" in line]) == 1
    assert not [line for line in log if "retrying in" in line]  # each retry at debug only
    assert [e["execution_id"] for e in watch.events] == [running]  # the latest run, seen after the outage


@pytest.mark.parametrize(
    ("conn", "job_id", "fix"),
    [({"password": "s3cret-pw"}, FILE_ID, "Check the login and password"), ({}, 999, "Check the job id")],
    ids=["bad-credentials", "unknown-job"],
)
async def test_refusals_are_logged_as_errors_naming_the_fix_without_a_tight_loop(
    emulator, datameer_conn, capsys, caplog, conn, job_id, fix
):
    datameer_conn(**conn)
    caplog.set_level(logging.INFO)
    async with Watch(watcher(job_id)) as watch:
        await asyncio.sleep(1.5)
        assert not watch.task.done()
    log = task_log(capsys, caplog)
    errors = [line for line in log.splitlines() if "the watch cannot read the job" in line]
    assert len(errors) == 1
    assert "error" in errors[0]
    assert fix in errors[0]
    assert "s3cret-pw" not in log  # the password never reaches a log
    assert len(requests_for(emulator, "status_v2")) == 1  # waits minutes before asking again
    assert watch.events == []


async def test_a_missing_connection_is_an_error_naming_the_fix(emulator, capsys, caplog):
    caplog.set_level(logging.INFO)
    async with Watch(watcher(datameer_conn_id="no_such_conn")):
        await asyncio.sleep(0.5)
    errors = [line for line in task_log(capsys, caplog).splitlines() if "the watch cannot read the job" in line]
    assert len(errors) == 1
    assert "Fix the Airflow connection 'no_such_conn'" in errors[0]
