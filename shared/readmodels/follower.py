"""Read models of a service's own events: follow its log, apply a batch and record the position,
all in one transaction of the read model's database — so each event takes effect exactly once,
and a rebuild is a replay from position 0."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence

from sqlalchemy import BigInteger, Column, Connection, Engine, MetaData, String, Table, delete, select
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

    def set(self, conn: Connection, follower: str, position: int) -> None:
        statement = insert(self.table).values(follower=follower, position=position)
        conn.execute(statement.on_conflict_do_update(index_elements=["follower"], set_={"position": position}))


class LogHead:
    """The log's last position, asked of the store at most once per `fresh_for` seconds however
    many of a process's followers ask. A follower with nothing new then costs one cheap query
    shared by all, not a transaction of its own (an idle service's followers took a fifth of a core)."""

    def __init__(self, store: EventStore, fresh_for: float = 0.02) -> None:
        self._store, self._fresh_for = weakref.ref(store), fresh_for  # weak: the registry below keys by the store
        self._lock = threading.Lock()
        self._position, self._asked = 0, float("-inf")

    def get(self) -> int:
        with self._lock:
            if time.monotonic() - self._asked > self._fresh_for and (store := self._store()) is not None:
                self._position, self._asked = store.last_position(), time.monotonic()
            return self._position

    @classmethod
    def of(cls, store: EventStore) -> LogHead:
        """The one of `store`, shared by its followers."""
        with _HEADS_LOCK:
            return _HEADS.setdefault(store, cls(store))


_LOOK_AT_LEAST_EVERY = 1.0  # seconds: a position moved by something else (a restore) is seen within it
_HEADS: weakref.WeakKeyDictionary[EventStore, LogHead] = weakref.WeakKeyDictionary()
_HEADS_LOCK = threading.Lock()


class LogFollower:
    def __init__(  # noqa: PLR0913
        self, store: EventStore, engine: Engine, positions: Positions, name: str, apply: Apply, batch_size: int = 500
    ) -> None:
        self._store, self._engine, self._positions = store, engine, positions
        self._name, self._apply, self._batch_size = name, apply, batch_size
        self._applied = EVENTS_APPLIED.labels(name)  # at 0 from the start, so a stalled follower has a rate
        self._head = LogHead.of(store)
        self._reached: int | None = None  # how far this follower last found the log applied; None: not asked yet
        self._looked = float("-inf")  # when it last asked its position

    def follow_once(self) -> int:
        """Apply the next batch of the log; returns how many events it covered."""
        self._looked = time.monotonic()
        with self._engine.begin() as conn:
            position = self._positions.get(conn, self._name)
            events = self._store.read_log(position, self._batch_size)
            if events:
                with tracing.consuming(self._name, [e.meta.traceparent for e in events], kafka=False):
                    self._apply(conn, events)
                    self._positions.set(conn, self._name, events[-1].position or 0)
        self._reached = events[-1].position or 0 if events else position
        if events:
            self._applied.inc(len(events))
        return len(events)

    def _anything_new(self) -> bool:
        """Whether the log may hold what this follower has not applied: asked of the log's head,
        shared by the process's followers, and the follower's position (the truth, in the
        database) asked at least every second anyway, in case something else moved it (a restore)."""
        if self._reached is None or time.monotonic() - self._looked >= _LOOK_AT_LEAST_EVERY:
            return True
        return self._head.get() > self._reached

    def catch_up(self) -> None:
        while self.follow_once() == self._batch_size:
            pass

    def rebuild(self, tables: Sequence[Table]) -> None:
        """Empty the read model's tables and replay the whole log into them."""
        with self._engine.begin() as conn:
            for table in tables:
                conn.execute(delete(table))
            self._positions.set(conn, self._name, 0)
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
