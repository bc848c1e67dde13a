"""The event store of one service, on the `eventsourcing` library's recorders.

`EventStore` is what application code, the command processor, the relay and the read
models need of a store; `PostgresStore` (production's) and `memory.MemoryStore` (the
library's in-memory recorder, for tests without a server) both provide it, through one
`RecorderStore` so the two read, append, seal and tail the log with the same code.

Why this library: its PostgreSQL recorder gives optimistic appends (a unique
(stream, version) key), a gap-free notification log for the relay (writers take one lock
until they commit, so positions commit in order), and position tracking, all well tested upstream.
We use its recorders and tables; our domain stays plain Python. One thing is our own:
how a batch of events is loaded and appended on PostgreSQL (`postgres.BatchPath`), from
the event loop or from a thread, with the recorder's own SQL discipline (same table, same
lock, same notification), because the recorder's synchronous path, run from a thread
beside the HTTP server, and its array of composite values were the bottleneck.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import partial
from typing import Any, NamedTuple, Protocol

import psycopg
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking

from shared.eventstore.alone import Alone
from shared.eventstore.records import NewEvent, RecordedEvent
from shared.eventstore.sealing import Sealer
from shared.eventstore.snapshots import Snapshot

Row = tuple[str, int, str, bytes]


class LogPage(NamedTuple):
    """Of the log's next entries, those a reader asked for; `entries`: how many it covered, `last`:
    the position of the last of them (where the reader stands after it)."""

    events: list[RecordedEvent]
    entries: int
    last: int


class StreamConflict(Exception):
    """Another writer appended to one of the streams first (or the command was already done)."""


class BatchPath(Protocol):
    """How a batch of commands loads its streams and appends its events, from the event loop."""

    async def select_many(self, stream_ids: list[str], after: list[int] | None = None) -> list[Row]:
        """Each stream's events, or with `after` only those after its version there."""

    def select_many_now(self, stream_ids: list[str], after: list[int] | None = None) -> list[Row]:
        """The same, from a thread outside the event loop."""

    async def append(self, events: Sequence[NewEvent]) -> None: ...

    def append_now(self, events: Sequence[NewEvent]) -> None:
        """The same, from a thread outside the event loop."""

    async def close(self) -> None:
        """Give back the connection of the running event loop."""

    async def snapshots(self, stream_ids: list[str]) -> list[Snapshot]:
        """The snapshots kept of these streams (none for most)."""

    def snapshots_now(self, stream_ids: list[str]) -> list[Snapshot]:
        """The same, from a thread outside the event loop."""

    async def keep(self, snapshots: list[Snapshot]) -> None:
        """Keep these, each unless one as late of its shape is kept already."""


class EventStore(Protocol):
    """Streams of one service: append with an expected version, read a stream, tail the log."""

    @property
    def sealer(self) -> Sealer | None:
        """Seals and opens personal data with its residents' keys (None: the store holds none)."""

    def read(self, stream_id: str, after: int = 0) -> list[RecordedEvent]: ...

    async def read_async(self, stream_id: str) -> list[RecordedEvent]:
        """One stream, from the event loop: what the APIs' reads use (no thread, no pool)."""

    def read_many(
        self, stream_ids: Sequence[str], after: Mapping[str, int] | None = None
    ) -> dict[str, list[RecordedEvent]]: ...

    async def read_many_async(
        self, stream_ids: Sequence[str], after: Mapping[str, int] | None = None
    ) -> dict[str, list[RecordedEvent]]:
        """Several streams in one query; with `after`, a stream named there only after that version."""

    def append(self, events: Sequence[NewEvent]) -> None:
        """Append atomically; every event's version must be the next one of its stream, else
        `StreamConflict` and nothing is written."""

    async def append_async(self, events: Sequence[NewEvent], sealed: bool = False) -> None:
        """`append`, from the event loop; `sealed`: their personal values were sealed already
        (`sealer.seal_async`), so this is the insert alone."""

    async def snapshots_async(self, stream_ids: Sequence[str]) -> dict[str, Snapshot]:
        """The snapshots kept of these streams, by stream (`snapshots.py`)."""

    def snapshots(self, stream_ids: Sequence[str]) -> dict[str, Snapshot]: ...

    async def keep_snapshots_async(self, snapshots: list[Snapshot]) -> None: ...

    def read_log(self, after: int, limit: int) -> list[RecordedEvent]:
        """Events after position `after`, in the log's gap-free order."""

    def read_log_of(self, after: int, limit: int, types: Collection[str]) -> LogPage:
        """Of the next `limit` entries after `after`, only the events of `types`, each personal value
        withheld (`Sealer.withheld`): what a relay publishes, which holds none. The others are
        neither decoded nor opened (nor, on PostgreSQL, read)."""

    def last_position(self) -> int: ...

    def tracked(self, reader: str) -> int: ...

    def track(self, reader: str, position: int) -> None: ...

    def exclusive(self, name: str) -> AbstractContextManager[Callable[[], bool]]:
        """Be the only holder of `name` for this store; yields whether it is still held."""

    async def close_batch_path(self) -> None: ...

    def close(self) -> None: ...

    async def aclose(self) -> None: ...


class RecorderStore:
    """An `EventStore` over one of the library's process recorders and a batch path; the
    back ends differ only in those two and in how `exclusive` holds a name."""

    def __init__(self, recorder: ProcessRecorder, batch_path: BatchPath, sealer: Sealer | None = None) -> None:
        self._recorder = recorder
        self.batch_path, self.sealer = batch_path, sealer
        # Each call tried once: the library retries a lost connection ten times, each waiting up to
        # the pool's timeout, which would hold a request about a minute while the database is away.
        # Callers retry at their own level (the relay, consumers); the API answers 503 at once.
        self._select_events = _once(recorder.select_events)
        self._select_notifications = _once(recorder.select_notifications)
        self._max_notification_id = _once(recorder.max_notification_id)
        self._max_tracking_id = _once(recorder.max_tracking_id)
        self._insert_tracking = _once(recorder.insert_tracking)

    def read(self, stream_id: str, after: int = 0) -> list[RecordedEvent]:
        stored = self._select_events(stream_id, gt=after or None)
        return self._open(
            [RecordedEvent.decode(str(s.originator_id), s.originator_version, s.topic, s.state) for s in stored]
        )

    async def read_async(self, stream_id: str) -> list[RecordedEvent]:
        """On the batch path's connection of this event loop, one prepared statement: a read
        from a thread took a pooled connection, checked it, read and rolled back, twice the
        API's CPU of this (a contract's GET 1.2 against 0.6 ms)."""
        return (await self.read_many_async([stream_id]))[stream_id]

    def read_many(
        self, stream_ids: Sequence[str], after: Mapping[str, int] | None = None
    ) -> dict[str, list[RecordedEvent]]:
        """Several streams in one query; with `after`, a stream named there only after that version."""
        versions = None if after is None else [after.get(s, 0) for s in stream_ids]
        rows = self.batch_path.select_many_now(list(stream_ids), versions) if stream_ids else []
        return group(stream_ids, self._open(decoded(rows)))

    async def read_many_async(
        self, stream_ids: Sequence[str], after: Mapping[str, int] | None = None
    ) -> dict[str, list[RecordedEvent]]:
        versions = None if after is None else [after.get(s, 0) for s in stream_ids]
        events = decoded(await self.batch_path.select_many(list(stream_ids), versions) if stream_ids else [])
        return group(stream_ids, await self.sealer.open_async(events) if self.sealer else events)

    def append(self, events: Sequence[NewEvent]) -> None:
        """Append atomically; every event's version must be the next one of its stream."""
        if not events:
            return
        self.batch_path.append_now(self.sealer.seal(events) if self.sealer else events)

    async def append_async(self, events: Sequence[NewEvent], sealed: bool = False) -> None:
        if events:
            await self.batch_path.append(await self.sealer.seal_async(events) if self.sealer and not sealed else events)

    async def snapshots_async(self, stream_ids: Sequence[str]) -> dict[str, Snapshot]:
        return {s.stream_id: s for s in await self.batch_path.snapshots(list(stream_ids))} if stream_ids else {}

    def snapshots(self, stream_ids: Sequence[str]) -> dict[str, Snapshot]:
        return {s.stream_id: s for s in self.batch_path.snapshots_now(list(stream_ids))} if stream_ids else {}

    async def keep_snapshots_async(self, snapshots: list[Snapshot]) -> None:
        if snapshots:
            await self.batch_path.keep(snapshots)

    def read_log(self, after: int, limit: int) -> list[RecordedEvent]:
        notes = self._select_notifications(after + 1, limit)
        return self._open(
            [RecordedEvent.decode(str(n.originator_id), n.originator_version, n.topic, n.state, n.id) for n in notes]
        )

    def read_log_of(self, after: int, limit: int, types: Collection[str]) -> LogPage:
        notes = self._select_notifications(after + 1, limit)
        wanted = [
            RecordedEvent.decode(str(n.originator_id), n.originator_version, n.topic, n.state, n.id)
            for n in notes
            if n.topic in types
        ]
        return LogPage(self._withheld(wanted), len(notes), notes[-1].id if notes else after)

    def _open(self, events: list[RecordedEvent]) -> list[RecordedEvent]:
        return self.sealer.open(events) if self.sealer else events

    def _withheld(self, events: list[RecordedEvent]) -> list[RecordedEvent]:
        return self.sealer.withheld(events) if self.sealer else events

    def last_position(self) -> int:
        return self._max_notification_id() or 0

    def tracked(self, reader: str) -> int:
        """How far `reader` (the relay, say) has got through the log."""
        return self._max_tracking_id(reader) or 0

    def track(self, reader: str, position: int) -> None:
        self._insert_tracking(Tracking(reader, position))

    async def close_batch_path(self) -> None:
        """Close this event loop's batch connection (an app shutting down); it reopens on demand."""
        await self.batch_path.close()

    def close(self) -> None:
        with suppress(Exception):
            self._recorder.datastore.close()  # type: ignore[attr-defined]  # both recorders have one

    async def aclose(self) -> None:
        """Close from the event loop: the batch path's connection of this loop, then the pool."""
        await self.close_batch_path()
        self.close()


class PostgresStore(RecorderStore):
    """Production's store: the library's PostgreSQL recorder, with `BatchPath` on the hot path."""

    def __init__(  # noqa: PLR0913
        self,
        recorder: ProcessRecorder,
        url: str,
        schema: str,
        batch_path: BatchPath,
        alone: Alone,
        sealer: Sealer | None = None,
    ) -> None:
        super().__init__(recorder, batch_path, sealer)
        self._url, self._schema = url, schema
        self._alone = alone

    def read_log(self, after: int, limit: int) -> list[RecordedEvent]:
        rows = self._alone.fetch(self._alone.log, (after, limit))
        return self._open([RecordedEvent.decode(b, c, d, bytes(e), a) for a, b, c, d, e in rows])

    def read_log_of(self, after: int, limit: int, types: Collection[str]) -> LogPage:
        rows = self._alone.fetch(self._alone.log_of, (sorted(types), after, limit))
        wanted = [RecordedEvent.decode(b, c, d, bytes(e), a) for a, b, c, d, e in rows if e is not None]
        return LogPage(self._withheld(wanted), len(rows), rows[-1][0] if rows else after)

    def last_position(self) -> int:
        ((head,),) = self._alone.fetch(self._alone.head)
        return int(head or 0)

    def track(self, reader: str, position: int) -> None:
        if not self._alone.fetch(self._alone.track, (reader, position)):  # as the library's recorder
            raise IntegrityError(f"Failed to record tracking for {reader} {position}")

    def close(self) -> None:
        self._alone.close()
        super().close()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[Callable[[], bool]]:
        """Be the only holder of `name` for this store (one relay at a time), waiting if another
        process holds it; the lock goes with the connection if the process dies. Yields `held()`:
        whether the lock is still ours (its connection alive, checked at most once a second). A
        database restart ends the connection and frees the lock for another replica: the holder
        must then stop and take the lock again."""
        conn = psycopg.connect(plain_url(self._url), autocommit=True)
        try:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"{self._schema}:{name}",))
            yield _Held(conn)
        finally:
            with suppress(psycopg.Error):
                conn.close()


class _Held:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn, self._checked, self._held = conn, time.monotonic(), True

    def __call__(self) -> bool:
        if self._held and time.monotonic() - self._checked >= 1.0:
            self._checked = time.monotonic()
            try:
                self._conn.execute("SELECT 1")
            except psycopg.Error:
                self._held = False
        return self._held


def _once(method: Any) -> Any:
    """The recorder's method without the library's retries (`functools.wraps` keeps the inner one)."""
    inner = getattr(method, "__wrapped__", None)
    return partial(inner, method.__self__) if inner is not None else method


def decoded(rows: list[Row]) -> list[RecordedEvent]:
    return [RecordedEvent.decode(stream_id, version, type_, bytes(state)) for stream_id, version, type_, state in rows]


def group(stream_ids: Sequence[str], events: list[RecordedEvent]) -> dict[str, list[RecordedEvent]]:
    found: dict[str, list[RecordedEvent]] = {stream_id: [] for stream_id in stream_ids}
    for event in events:
        found[event.stream_id].append(event)
    return found


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
