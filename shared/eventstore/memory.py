"""An event store in this process's memory, for tests that need no server.

It is the library's own in-memory recorder (`POPOProcessRecorder`) behind the same
`RecorderStore` as PostgreSQL's: a (stream, version) already taken conflicts, the log's
positions have no gaps, readers keep their positions. The batch path appends through the
recorder too (atomically, under its lock); the vault keeps the residents' keys in a dict;
`exclusive` is a lock of this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.popo import POPOProcessRecorder

from shared.eventstore.records import NewEvent
from shared.eventstore.sealing import PersonalFields, Sealer
from shared.eventstore.snapshots import Snapshot
from shared.eventstore.store import RecorderStore, Row, StreamConflict
from shared.eventstore.vault import MemoryVault


class MemoryBatchPath:
    """The batch path of the in-memory store: the recorder's own reads and appends."""

    def __init__(self, recorder: POPOProcessRecorder) -> None:
        self._recorder = recorder
        self._snapshots: dict[str, Snapshot] = {}

    async def select_many(self, stream_ids: list[str], after: list[int] | None = None) -> list[Row]:
        return self.select_many_now(stream_ids, after)

    def select_many_now(self, stream_ids: list[str], after: list[int] | None = None) -> list[Row]:
        versions = dict(zip(stream_ids, after or [0] * len(stream_ids), strict=True))
        return [
            (str(s.originator_id), s.originator_version, s.topic, s.state)
            for stream_id in sorted(set(stream_ids))
            for s in self._recorder.select_events(stream_id)
            if s.originator_version > versions[stream_id]
        ]

    async def append(self, events: Sequence[NewEvent]) -> None:
        self.append_now(events)

    def append_now(self, events: Sequence[NewEvent]) -> None:
        try:
            self._recorder.insert_events([StoredEvent(e.stream_id, e.version, e.type, e.encode()) for e in events])
        except IntegrityError as conflict:
            raise StreamConflict(str(conflict)) from conflict

    async def close(self) -> None:
        """Nothing to give back: no connection."""

    async def snapshots(self, stream_ids: list[str]) -> list[Snapshot]:
        return self.snapshots_now(stream_ids)

    def snapshots_now(self, stream_ids: list[str]) -> list[Snapshot]:
        return [s for i in stream_ids if (s := self._snapshots.get(i)) is not None]

    async def keep(self, snapshots: list[Snapshot]) -> None:
        for new in snapshots:
            kept = self._snapshots.get(new.stream_id)
            if kept is None or kept.version < new.version or kept.shape != new.shape:
                self._snapshots[new.stream_id] = new


class MemoryStore(RecorderStore):
    def __init__(self, sealer: Sealer | None = None) -> None:
        recorder = POPOProcessRecorder()
        super().__init__(recorder, MemoryBatchPath(recorder), sealer)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[Callable[[], bool]]:
        """The only holder of `name` in this process, waiting while another thread holds it."""
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            yield lambda: True

    def close(self) -> None:
        """Nothing to close: the events live as long as the store object."""


def open_memory(personal: PersonalFields | None = None) -> MemoryStore:
    """An empty store; with `personal`, it seals as PostgreSQL's does, keys kept in a `MemoryVault`."""
    return MemoryStore(Sealer(MemoryVault(), personal) if personal else None)
