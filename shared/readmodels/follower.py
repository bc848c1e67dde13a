"""Read models of a service's own events: follow its log, apply a batch and record the position,
all in one transaction of the read model's database — so each event takes effect exactly once,
and a rebuild is a replay from position 0."""

from __future__ import annotations

import logging
import threading
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


class LogFollower:
    def __init__(  # noqa: PLR0913
        self, store: EventStore, engine: Engine, positions: Positions, name: str, apply: Apply, batch_size: int = 500
    ) -> None:
        self._store, self._engine, self._positions = store, engine, positions
        self._name, self._apply, self._batch_size = name, apply, batch_size
        self._applied = EVENTS_APPLIED.labels(name)  # at 0 from the start, so a stalled follower has a rate

    def follow_once(self) -> int:
        """Apply the next batch of the log; returns how many events it covered."""
        with self._engine.begin() as conn:
            events = self._store.read_log(self._positions.get(conn, self._name), self._batch_size)
            if events:
                with tracing.consuming(self._name, [e.meta.traceparent for e in events], kafka=False):
                    self._apply(conn, events)
                    self._positions.set(conn, self._name, events[-1].position or 0)
        if events:
            self._applied.inc(len(events))
        return len(events)

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
                covered = self.follow_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("follower %s failed (%d in a row); retrying", self._name, failures)
                stop.wait(min(0.1 * 2**failures, 5.0))
                continue
            if covered < self._batch_size:
                stop.wait(idle_seconds)
