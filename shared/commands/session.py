"""A command's view of the streams: it reads through its batch and stages its own events."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Final, Generic, NamedTuple, TypeVar

from pydantic_core import from_json, to_json

from shared.commands.context import CommandContext
from shared.commands.errors import PreconditionFailed
from shared.eventstore import EventMeta, EventStore, NewEvent
from shared.eventstore.snapshots import Snapshot
from shared.eventstore.streams import StreamType, from_snapshot

S = TypeVar("S")
RECEIPT_TYPE = "command.Receipt.v1"


class Loaded(NamedTuple, Generic[S]):
    state: S
    version: int


class StreamCache:
    """Recently committed stream states of this process (LRU).

    Trusting it is safe: a stale entry makes the append conflict on the store's unique
    (stream, version) key, and the processor then reloads from the store and retries.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, Loaded[Any]] = OrderedDict()

    def get(self, stream_id: str) -> Loaded[Any] | None:
        entry = self._entries.get(stream_id)
        if entry is not None:
            self._entries.move_to_end(stream_id)
        return entry

    def put(self, stream_id: str, entry: Loaded[Any]) -> None:
        self._entries[stream_id] = entry
        self._entries.move_to_end(stream_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, stream_ids: list[str]) -> None:
        for stream_id in stream_ids:
            self._entries.pop(stream_id, None)


class Staging:
    """What a batch of commands has read and decided, before its one commit."""

    def __init__(self, store: EventStore, cache: StreamCache | None, read_on: bool = False) -> None:
        self.store, self.cache, self.read_on = store, cache, read_on
        self.states: dict[str, Loaded[Any]] = {}
        self.events: list[NewEvent] = []
        self.receipts: dict[str, dict[str, Any]] = {}
        self._stored_receipts: dict[str, dict[str, Any] | None] = {}  # read with the batch's streams
        self.read_cache = False  # some decision rests on a cached state no append has verified yet
        # Of each stream read: its kind, its version then, and how many events came from the store.
        self.kinds: dict[str, StreamType[Any]] = {}
        self.read_at: dict[str, int] = {}
        self.folded: dict[str, int] = {}

    def load(self, kind: StreamType[S], stream_id: str) -> Loaded[S]:
        found = self.states.get(stream_id)
        if found is None and self.cache is not None:
            found = self.cache.get(stream_id)
            if found is not None and self.read_on:  # what others appended since, not trusted unread
                found = self.states[stream_id] = self._fold(
                    kind, stream_id, self.store.read(stream_id, found.version), found
                )
            self.read_cache = self.read_cache or (found is not None and not self.read_on)
        if found is None:
            base = self._snapshot(kind, self.store.snapshots([stream_id]).get(stream_id) if kind.snapshots else None)
            events = self.store.read(stream_id, after=base.version if base else 0)
            found = self.states[stream_id] = self._fold(kind, stream_id, events, base)
        self.kinds.setdefault(stream_id, kind)
        self.read_at.setdefault(stream_id, found.version)
        return found

    def _snapshot(self, kind: StreamType[S], kept: Snapshot | None) -> Loaded[S] | None:
        base = from_snapshot(kind, kept)  # none, or written by a state of another shape: from the start
        return Loaded(*base) if base else None

    def _fold(self, kind: StreamType[S], stream_id: str, events: list[Any], base: Loaded[S] | None) -> Loaded[S]:
        self.folded[stream_id] = len(events)
        return Loaded(*kind.fold(events, *(base or ())))

    def due_snapshots(self) -> list[Snapshot]:
        """After the commit: the streams of a kind kept in snapshots that are due one."""
        due = []
        for stream_id, (state, version) in self.states.items():
            kind = self.kinds.get(stream_id)
            if kind is None or (kept := kind.snapshots) is None:
                continue
            if kept.due(version, self.read_at.get(stream_id, 0), self.folded.get(stream_id, 0)):
                due.append(kept.taken(stream_id, version, state))
        return due

    async def prefetch_async(self, reads: list[tuple[StreamType[Any], str]], receipts: Sequence[str] = ()) -> None:
        """The streams the batch will read, and the receipts of its keys this process has not
        cached (after a restart, or once the cache let them go), all in one query. A stream
        this process has cached is read only after the version cached: usually nothing, and
        what another writer (a second API worker or replica) appended since otherwise, so the
        batch decides on the committed state and its append rarely conflicts."""
        kinds = {s: k for s, k in {kind.stream_id(key): kind for kind, key in reads}.items() if s not in self.states}
        cached = {s: c for s in kinds if self.cache is not None and (c := self.cache.get(s)) is not None}
        kept = [s for s, kind in kinds.items() if kind.snapshots is not None and s not in cached]
        for stream_id, snapshot in (await self.store.snapshots_async(kept) if kept else {}).items():
            if (base := self._snapshot(kinds[stream_id], snapshot)) is not None:
                cached[stream_id] = base
        unseen = [r for r in dict.fromkeys(receipts) if self.cache is None or self.cache.get(r) is None]
        found = await self.store.read_many_async([*kinds, *unseen], {s: c.version for s, c in cached.items()})
        for stream_id, kind in kinds.items():
            self.states[stream_id] = self._fold(kind, stream_id, found[stream_id], cached.get(stream_id))
            self.kinds[stream_id] = kind
            self.read_at[stream_id] = self.states[stream_id].version
        self._stored_receipts |= {r: found[r][0].data if found[r] else None for r in unseen}

    def receipt(self, stream_id: str) -> dict[str, Any] | None:
        """The first outcome of a command, if this key was used before (batch, cache, store)."""
        if stream_id in self.receipts:
            return self.receipts[stream_id]
        if stream_id in self._stored_receipts:
            return self._stored_receipts[stream_id]
        if self.cache is not None:
            cached = self.cache.get(stream_id)
            # Not cached is not proof of absence: the store's unique key catches the rest.
            return from_json(cached.state) if cached is not None else None
        stored = self.store.read(stream_id)
        return stored[0].data if stored else None

    def remember(self, cache: StreamCache) -> None:
        """After the commit: what this batch read and wrote is now the committed state."""
        for stream_id, entry in self.states.items():
            cache.put(stream_id, entry)
        for stream_id, receipt in self.receipts.items():
            # As one bytes object: many small dicts would slow every full garbage collection.
            cache.put(stream_id, Loaded(to_json(receipt), 1))


ANY_VERSION: Final = -1
"""Expect any version, as long as the stream exists (`If-Match: *`, RFC 9110 13.1.1)."""


class Session:
    """Handed to a command handler: `load` aggregates, `record` the events it decides."""

    def __init__(self, staging: Staging, context: CommandContext) -> None:
        self._staging, self.context = staging, context
        self._states: dict[str, Loaded[Any]] = {}
        self._events: list[NewEvent] = []
        self._counter = 0
        self._command_id = uuid.uuid4().hex  # one per command; its events count on from it

    def load(self, kind: StreamType[S], key: str, expected_version: int | None = None) -> Loaded[S]:
        stream_id = kind.stream_id(key)
        loaded = self._states.get(stream_id) or self._staging.load(kind, stream_id)
        if expected_version is not None and not _matches(expected_version, loaded.version):
            raise PreconditionFailed(stream_id, expected_version, loaded.version)
        return loaded

    def start(self, kind: StreamType[S], key: str, *events: object) -> Loaded[S]:
        """Record the first events of a stream with a new id, without reading it first;
        should the id exist after all, the append conflicts and nothing is overwritten."""
        self._states.setdefault(kind.stream_id(key), Loaded(kind.initial, 0))
        self._staging.kinds.setdefault(kind.stream_id(key), kind)
        return self.record(kind, key, *events)

    def record(self, kind: StreamType[S], key: str, *events: object) -> Loaded[S]:
        stream_id = kind.stream_id(key)
        state, version = self.load(kind, key)
        for event in events:
            version += 1
            type_name, data = kind.events.encode(event)
            self._events.append(NewEvent(stream_id, version, type_name, data, self._meta()))
            state = kind.evolve(state, event)
        self._states[stream_id] = Loaded(state, version)
        return self._states[stream_id]

    def close(self, result: dict[str, Any]) -> None:
        """The command succeeded: stage its events and its receipt in the batch."""
        receipt = {"fingerprint": self.context.fingerprint, "result": result}
        stream_id = self.context.receipt_stream
        self._events.append(NewEvent(stream_id, 1, RECEIPT_TYPE, receipt, self._meta()))
        self._staging.states.update(self._states)
        self._staging.events.extend(self._events)
        self._staging.receipts[stream_id] = receipt

    def _meta(self) -> EventMeta:
        # The command's id and a counter: unique, and cheaper than a uuid for each event.
        c = self.context
        self._counter += 1
        return EventMeta(
            f"{self._command_id}.{self._counter}", c.now, c.correlation_id, c.causation_id, c.actor, c.traceparent
        )


def _matches(expected: int, actual: int) -> bool:
    return actual > 0 if expected == ANY_VERSION else actual == expected
