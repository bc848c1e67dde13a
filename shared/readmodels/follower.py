"""Read models of a service's own events: follow its log, apply a batch and record the position,
all in one transaction of the read model's database — so each event takes effect exactly once,
and a rebuild is a replay from position 0."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence

from sqlalchemy import BigInteger, Column, Connection, Engine, MetaData, String, Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert

from shared import tracing
from shared.eventstore import EventStore, RecordedEvent
from shared.metrics import EVENTS_APPLIED

log = logging.getLogger(__name__)
Apply = Callable[[Connection, Sequence[RecordedEvent]], None]


class Positions:
    """How far each follower has applied its log: one row per follower."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "follower_positions",
            metadata,
            Column("follower", String(100), primary_key=True),
            Column("position", BigInteger, nullable=False),
        )

    def get(self, conn: Connection, follower: str) -> int:
        found = conn.execute(select(self.table.c.position).where(self.table.c.follower == follower)).scalar()
        return int(found or 0)

    def advance(self, conn: Connection, follower: str, was: int, now: int) -> bool:
        """Move `follower` from `was` to `now`; False, changing nothing, if it was no longer at `was`."""
        table = self.table
        where = (table.c.follower == follower) & (table.c.position == was)
        moved = conn.execute(update(table).where(where).values(position=now)).rowcount
        if not moved and was == 0:  # its first batch: no row yet
            first = insert(table).values(follower=follower, position=now).on_conflict_do_nothing()
            moved = len(conn.execute(first.returning(table.c.follower)).all())  # its rowcount says -1
        return moved == 1

    def set(self, conn: Connection, follower: str, position: int) -> None:
        statement = insert(self.table).values(follower=follower, position=position)
        conn.execute(statement.on_conflict_do_update(index_elements=["follower"], set_={"position": position}))


class SharedLog:
    """The log as a process's followers see it, asked of the store once for all of them: its
    last position at most once per `fresh_for` seconds (a follower with nothing new then costs
    one cheap query shared by all, not a transaction of its own), and its latest reads. A
    service's followers move in step, so each batch was read, and its personal data unsealed
    (a query for the residents' keys), once per follower; a read that reaches the head, or is
    full, now serves the others too, for at most `keep_for` seconds."""

    def __init__(self, store: EventStore, fresh_for: float = 0.02, keep: int = 8, keep_for: float = 5.0) -> None:
        self._store, self._fresh_for = weakref.ref(store), fresh_for  # weak: the registry below keys by the store
        self._keep, self._keep_for = keep, keep_for
        self._lock = threading.Lock()  # held while reading: a second follower waits, then takes the same read
        self._position, self._asked = 0, float("-inf")
        self._reads: dict[tuple[int, int], tuple[float, list[RecordedEvent]]] = {}

    def head(self) -> int:
        with self._lock:
            return self._head()

    def read(self, after: int, limit: int, fresh: bool = False) -> list[RecordedEvent]:
        """Up to `limit` events after position `after`, as `EventStore.read_log`; `fresh`: all
        those committed before the call (one shared may miss the last `fresh_for` seconds')."""
        with self._lock:
            now = time.monotonic()
            taken, events = self._reads.get((after, limit), (float("-inf"), []))
            reused = events and (len(events) == limit or (not fresh and _reached(events, after) >= self._head()))
            if reused and now - taken < self._keep_for:
                return events
            store = self._store()
            assert store is not None, "the store of a running follower is gone"
            events = store.read_log(after, limit)
            self._reads[(after, limit)] = (now, events)
            while len(self._reads) > self._keep:  # the oldest first: dicts keep their order
                del self._reads[next(iter(self._reads))]
            return events

    def _head(self) -> int:
        if time.monotonic() - self._asked > self._fresh_for and (store := self._store()) is not None:
            self._position, self._asked = store.last_position(), time.monotonic()
        return self._position

    @classmethod
    def of(cls, store: EventStore) -> SharedLog:
        """The one of `store`, shared by its followers."""
        with _SHARED_LOCK:
            return _SHARED.setdefault(store, cls(store))


def _reached(events: Sequence[RecordedEvent], after: int) -> int:
    return events[-1].position or 0 if events else after


class _Moved(Exception):
    """The follower's position was not where it left it."""


_LOOK_AT_LEAST_EVERY = 1.0  # seconds: a position moved by something else (a restore) is seen within it
_SHARED: weakref.WeakKeyDictionary[EventStore, SharedLog] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


class LogFollower:
    def __init__(  # noqa: PLR0913
        self, store: EventStore, engine: Engine, positions: Positions, name: str, apply: Apply, batch_size: int = 500
    ) -> None:
        self._store, self._engine, self._positions = store, engine, positions
        self._name, self._apply, self._batch_size = name, apply, batch_size
        self._applied = EVENTS_APPLIED.labels(name)  # at 0 from the start, so a stalled follower has a rate
        self._log = SharedLog.of(store)
        self._reached: int | None = None  # how far this follower last found the log applied; None: not known
        self._asked = float("-inf")  # when it last read its position in the database

    def follow_once(self, fresh: bool = False) -> int:
        """Apply the next batch of the log (`fresh`: up to the last event committed before the
        call, else perhaps not the last few milliseconds'); returns how many events it covered.
        The position it reached last is trusted for a second, and moving on from it checks that
        it still holds, so a position something else moved (a restore, a rebuild) is never
        written over."""
        trusted = time.monotonic() - self._asked < _LOOK_AT_LEAST_EVERY
        try:
            with self._engine.begin() as conn:
                position = self._reached if trusted else None
                if position is None:
                    position, self._asked = self._positions.get(conn, self._name), time.monotonic()
                events = self._log.read(position, self._batch_size, fresh)
                if events:
                    with tracing.consuming(self._name, [e.meta.traceparent for e in events], kafka=False):
                        self._apply(conn, events)
                        if not self._positions.advance(conn, self._name, position, events[-1].position or 0):
                            raise _Moved
        except _Moved:  # rolled back: read the position again
            self._reached = None
            return 0
        self._reached = events[-1].position or 0 if events else position
        if events:
            self._applied.inc(len(events))
        return len(events)

    def _anything_new(self) -> bool:
        """Whether the log may hold what this follower has not applied: asked of the log's head,
        shared by the process's followers, and the follower's position (the truth, in the
        database) asked at least every second anyway, in case something else moved it (a restore)."""
        if self._reached is None or time.monotonic() - self._asked >= _LOOK_AT_LEAST_EVERY:
            return True
        return self._log.head() > self._reached

    def catch_up(self) -> None:
        """Apply everything committed before the call."""
        while self.follow_once(fresh=True) == self._batch_size:
            pass

    def rebuild(self, tables: Sequence[Table]) -> None:
        """Empty the read model's tables and replay the whole log into them."""
        with self._engine.begin() as conn:
            for table in tables:
                conn.execute(delete(table))
            self._positions.set(conn, self._name, 0)
        self._reached = None
        self.catch_up()

    def run(self, stop: threading.Event, idle_seconds: float = 0.05) -> None:
        failures = 0
        while not stop.is_set():
            try:
                covered = self.follow_once() if self._anything_new() else 0
                failures = 0
            except Exception:
                failures += 1
                log.exception("follower %s failed (%d in a row); retrying", self._name, failures)
                stop.wait(min(0.1 * 2**failures, 5.0))
                continue
            if covered < self._batch_size:
                stop.wait(idle_seconds)
