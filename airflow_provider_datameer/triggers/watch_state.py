"""Where an event watch keeps its :class:`~airflow_provider_datameer.core.completions.Watermark` between runs.

Airflow 3.3's triggerer gives a watcher (a ``BaseEventTrigger`` that watches assets) an ``asset_state_store``:
accessors scoped to the watched assets (``AssetStateStoreAccessors``). One trigger row serves every asset whose
watcher has the same classpath and kwargs, so the watermark is written to each of them and the most advanced
one is read back. Before 3.3 there is no store: every start of the watch is a first start.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from airflow_provider_datameer.core.completions import Watermark

#: The state store's key column holds 512 characters; longer keys (long job paths) are hashed.
MAX_KEY = 512


def state_key(conn_id: str, api_version: int, job_id: int | str, statuses: tuple[Any, ...]) -> str:
    """The watermark's key: one per connection, API generation, job and status filter (several watchers of
    one asset, on different jobs or statuses, never share a watermark)."""
    wanted = ",".join(str(getattr(s, "value", s)) for s in statuses)
    key = f"datameer.completed/{conn_id}/v{api_version}/{job_id}/{wanted}"
    return key if len(key) <= MAX_KEY else f"datameer.completed/sha256/{hashlib.sha256(key.encode()).hexdigest()}"


class WatchState:
    """The watermark in the asset state store ``store`` (``None``: nothing is kept).

    ``flush_seconds``: after an event, the watermark is written this much later, once the triggerer (which
    sends events to the database about once a second) has sent the event: a crash in between fires the
    event again rather than losing it.
    """

    flush_seconds = 2.0

    def __init__(self, store: Any, key: str, log: Any) -> None:
        self.store = store
        self.key = key
        self.log = log

    @property
    def kept(self) -> bool:
        return self.store is not None

    def _accessors(self) -> list[Any]:
        """One accessor per watched asset. ``AssetStateStoreAccessors`` offers ``aget``/``aset`` directly only
        for a single asset; with several, its per-asset accessors are reached through its own mappings."""
        several = [*getattr(self.store, "_by_name", {}).values(), *getattr(self.store, "_by_uri", {}).values()]
        return several if len(several) > 1 else [self.store]

    async def load(self) -> Watermark | None:
        """The most advanced stored watermark; ``None`` on a first start, without a store, or when unreadable."""
        if self.store is None:
            return None
        marks = []
        for accessor in self._accessors():
            try:
                value = await accessor.aget(self.key)
            except Exception as exc:  # a broken store must not stop the watch: it goes on from memory
                self.log.warning("Could not read the watch's state %r from Airflow: %s", self.key, exc)
                continue
            mark = Watermark.from_state(value)
            if mark is None and value is not None:
                self.log.warning("Ignoring the watch's stored state %r: not a state this version wrote", self.key)
            marks.append(mark)
        known = [m for m in marks if m is not None]
        return max(known, key=lambda m: m.through) if known else None

    async def save(self, mark: Watermark, *, after_event: bool = False) -> None:
        """Store ``mark`` in every watched asset's store (after :attr:`flush_seconds` when an event just went out)."""
        if self.store is None:
            return
        if after_event and self.flush_seconds:
            await asyncio.sleep(self.flush_seconds)
        for accessor in self._accessors():
            try:
                await accessor.aset(self.key, mark.to_state())
            except Exception as exc:
                self.log.warning("Could not store the watch's state %r in Airflow: %s", self.key, exc)

    async def decided_elsewhere(self, execution_id: int) -> bool:
        """Whether the stored watermark already covers ``execution_id`` (another copy of the watch, on another
        triggerer, fired it: Airflow moved the watcher)."""
        stored = await self.load() if self.store is not None else None
        return stored is not None and not stored.undecided(execution_id)
