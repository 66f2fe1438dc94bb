"""DatameerJobCompletedTrigger: an Asset watcher that fires when a Datameer job's execution ends, whoever ran it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Hashable
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import TriggerEvent

from airflow_provider_datameer.core.completions import (
    DEFAULT_STATUSES,
    Watermark,
    baseline,
    check_job_ref,
    check_statuses,
    decide,
    entry_of,
    event_payload,
    missing_open,
)
from airflow_provider_datameer.core.errors import DatameerError
from airflow_provider_datameer.core.outage import Outage, pause_after, trouble_kind
from airflow_provider_datameer.core.wait_settings import DEFAULT_CONN_ID, check_api_version, check_interval

try:  # Airflow 3: the base class of Asset watchers' triggers
    from airflow.triggers.base import BaseEventTrigger
except ImportError:  # Airflow 2 has no event-driven scheduling; the class still imports (datameer_asset says why)
    from airflow.triggers.base import BaseTrigger as BaseEventTrigger  # type: ignore[assignment]

if TYPE_CHECKING:
    from airflow_provider_datameer.core.listing import Snapshot
    from airflow_provider_datameer.hooks.datameer import DatameerHook
    from airflow_provider_datameer.triggers.watch_state import WatchState

#: Seconds between polls unless ``poll_interval`` says otherwise (a watch waits for no one: no need to hurry).
DEFAULT_WATCH_INTERVAL = 60.0
_CONNECTION_FIX = "Fix the Airflow connection {conn!r} (it must exist and be of type datameer) or datameer_conn_id."


class _RetriesAtDebug:
    """The log the watch's requests retry under: each retry at debug, since the watch itself logs an outage
    once as it starts and once as it ends."""

    def __init__(self, log: Any) -> None:
        self._log = log

    def debug(self, *args: Any, **kwargs: Any) -> None:
        self._log.debug(*args, **kwargs)

    warning = debug


class DatameerJobCompletedTrigger(BaseEventTrigger):
    """Fire one event per execution of a Datameer job that ends after the watch first started.

    For ``AssetWatcher(trigger=...)`` (Airflow 3), usually through ``datameer_asset(..., watch=True)``. The runs
    are anyone's: the UI's, Datameer's scheduler's, another tool's. The event (an asset event's
    ``extra["payload"]``) is ``{job_id, execution_id, file_id, status, start_time, stop_time, success_count,
    failure_count, counters}``, read from job details once per event.

    :param job_id: file id, uuid or path (``api_version=2``, which sees only the latest execution at each poll),
        or configuration id (``api_version=1``, which reads the job history and sees every execution).
    :param statuses: the end statuses that fire (default: ``COMPLETED``, ``COMPLETED_WITH_WARNINGS``).
    :param api_version: 1 or 2; default the connection's extra ``api_version``.

    Airflow identifies a watcher by classpath and kwargs: :meth:`serialize` returns only the kwargs given,
    normalised (``job_id="48"`` is ``48``, statuses sorted). On Airflow 3.3 the last decided execution is kept in
    the asset state store (:mod:`~airflow_provider_datameer.triggers.watch_state`). Errors never end the watch
    (Airflow would restart it in a loop): docs/watch.md.
    """

    def __init__(
        self,
        job_id: int | str,
        datameer_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float | None = None,
        statuses: list[str] | tuple[str, ...] | None = None,
        api_version: int | None = None,
    ) -> None:
        super().__init__()
        self.job_id = check_job_ref(job_id)
        if not isinstance(datameer_conn_id, str) or not datameer_conn_id.strip():
            raise ValueError(f"datameer_conn_id must be a connection id, got {datameer_conn_id!r}")
        self.datameer_conn_id = datameer_conn_id.strip()
        self.poll_interval = (
            DEFAULT_WATCH_INTERVAL if poll_interval is None else check_interval(poll_interval, "poll_interval")
        )
        self.statuses = DEFAULT_STATUSES if statuses is None else check_statuses(statuses)
        self.api_version = check_api_version(api_version)
        given = {"job_id": self.job_id, "datameer_conn_id": self.datameer_conn_id}
        optional = {
            "poll_interval": None if poll_interval is None else self.poll_interval,
            "statuses": None if statuses is None else [s.value for s in self.statuses],
            "api_version": self.api_version,
        }
        self._kwargs = {**given, **{k: v for k, v in optional.items() if v is not None}}
        self._hook_instance: DatameerHook | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", dict(self._kwargs)

    # ------------------------------------------------------------------------------------------ Airflow's entry points
    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll and fire, for ever (a watcher that ends is restarted by Airflow)."""
        from airflow_provider_datameer.hooks.transport import session_lease

        async with session_lease():
            async for event in self._events(self._snapshots()):
                yield event

    def shared_stream_key(self) -> Hashable | None:
        """Airflow 3.3: watchers of one connection, API generation and job share one poll (the first one's
        ``poll_interval``); each decides its own events from it."""
        return ("datameer.completed", self.datameer_conn_id, self.api_version or 0, str(self.job_id))

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        from airflow_provider_datameer.hooks.transport import session_lease

        async with session_lease():
            async for snap in cls(**kwargs)._snapshots():
                yield snap

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_datameer.hooks.transport import session_lease

        async with session_lease():
            async for event in self._events(shared_stream):
                yield event

    # ------------------------------------------------------------------------------------------ polling
    def _hook(self) -> DatameerHook:
        if self._hook_instance is None:
            from airflow_provider_datameer.hooks.datameer import DatameerHook

            self._hook_instance = DatameerHook(datameer_conn_id=self.datameer_conn_id)
        return self._hook_instance

    @property
    def _quiet(self) -> _RetriesAtDebug:
        return _RetriesAtDebug(self.log)

    async def _version(self) -> int:
        return self.api_version or (await self._hook().aconfig()).api_version

    async def _snapshots(self) -> AsyncIterator[Snapshot]:
        """One :class:`~airflow_provider_datameer.core.listing.Snapshot` per good poll, for ever; trouble is
        logged (once as it starts, once as it ends) and waited out, never raised."""
        from airflow_provider_datameer.core.listing import snapshot

        hook, outage, floor = self._hook(), Outage(), None
        while True:
            try:
                config = await hook.aconfig()
                snap = await hook.arun(snapshot(config, await self._version(), self.job_id, floor, self._quiet))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a watcher that raises is restarted by Airflow in a loop
                await asyncio.sleep(self._trouble(outage, exc))
                continue
            lasted = outage.recovered(time.monotonic())
            if lasted is not None:
                self.log.info("Datameer job %s: the watch can read the job again after %.0f s", self.job_id, lasted)
            floor = snap.newest if snap.newest is not None else floor
            yield snap
            await asyncio.sleep(self.poll_interval)

    def _trouble(self, outage: Outage, exc: BaseException) -> float:
        """Log a failed poll if it is news; the seconds to wait before the next."""
        kind = trouble_kind(exc)
        problem = str(exc) if isinstance(exc, DatameerError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, DatameerError):  # the connection is missing or invalid (or a bug): say what to check
            problem += " " + _CONNECTION_FIX.format(conn=self.datameer_conn_id)
        pause = pause_after(kind, self.poll_interval)
        if outage.failed(kind, problem, time.monotonic()):
            if kind == "unreachable":
                self.log.warning(
                    "Datameer job %s: Datameer is unreachable; the watch goes on (every %g s): %s",
                    self.job_id,
                    pause,
                    problem,
                )
            else:
                self.log.error(
                    "Datameer job %s: the watch cannot read the job; it tries again every %g s: %s",
                    self.job_id,
                    pause,
                    problem,
                )
        return pause

    # ------------------------------------------------------------------------------------------ deciding
    async def _state(self) -> WatchState:
        from airflow_provider_datameer.triggers.watch_state import WatchState, state_key

        key = state_key(self.datameer_conn_id, await self._version(), self.job_id, self.statuses)
        return WatchState(getattr(self, "asset_state_store", None), key, self.log)

    async def _events(self, snapshots: AsyncIterator[Snapshot]) -> AsyncIterator[TriggerEvent]:
        """Turn polls into events: the first poll (or the stored watermark) sets what is old; then each
        execution that ends is fired once, oldest first, with its job details."""
        state: WatchState | None = None
        mark: Watermark | None = None
        outage = Outage()
        async for snap in snapshots:
            try:
                if state is None:
                    state = await self._state()
                    mark = await state.load()
                    if mark is not None:
                        self.log.info(
                            "Datameer job %s: resuming the watch after execution %s", self.job_id, mark.through
                        )
                if mark is None:
                    mark = baseline(snap.entries)
                    self.log.info("Datameer job %s: watching for executions after %s", self.job_id, mark.through)
                    await state.save(mark)
                    continue
                async for event, after in self._decided(mark, snap, state):
                    if event is not None:
                        yield event
                    if after != mark:
                        mark = after
                        await state.save(mark, after_event=event is not None)
                if (lasted := outage.recovered(time.monotonic())) is not None:
                    self.log.info("Datameer job %s: job details readable again after %.0f s", self.job_id, lasted)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the next poll goes on from the last event fired
                self._trouble(outage, exc)

    async def _decided(
        self, mark: Watermark, snap: Snapshot, state: WatchState
    ) -> AsyncIterator[tuple[TriggerEvent | None, Watermark]]:
        """What a snapshot calls for, in order: each event with the watermark to keep once it is out, then
        (event ``None``) the watermark that also takes in what ended unwatched or was fired elsewhere."""
        from airflow_provider_datameer.core.listing import details_of, snapshot

        hook = self._hook()
        config = await hook.aconfig()
        entries = list(snap.entries)
        if snap.complete_above is not None and snap.complete_above > mark.through:  # more runs than one page shows
            more = await hook.arun(snapshot(config, await self._version(), self.job_id, mark.through, self._quiet))
            entries += more.entries
        looked_up = await hook.arun(details_of(config, missing_open(mark, entries), self._quiet))
        entries += [e for i, d in looked_up.items() if d is not None and (e := entry_of(d, i)) is not None]
        decision = decide(mark.forget(i for i, d in looked_up.items() if d is None), entries, self.statuses)
        for entry, after in decision.fire:
            if await state.decided_elsewhere(entry.execution_id):
                self.log.info("Datameer job %s: execution %s was fired already", self.job_id, entry.execution_id)
                yield None, after
                continue
            details = (await hook.arun(details_of(config, [entry.execution_id], self._quiet)))[entry.execution_id]
            self.log.info("Datameer job %s: execution %s ended %s", self.job_id, entry.execution_id, entry.status.value)
            yield TriggerEvent(event_payload(self.job_id, entry, details, snap.file_id)), after
        yield None, decision.mark
