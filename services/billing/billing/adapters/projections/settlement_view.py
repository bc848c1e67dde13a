"""The medical-insurance settlement view, built from the public billing stream.

Each charge, settlement and release is kept as it was published, keyed by its own id, the
charges' sums per group beside them (`charge_totals`), with the applied event ids claimed in
the same transaction: a redelivery changes nothing, a restated release replaces the earlier
one (same release id), a reversed settlement leaves it (its period was reopened; the next
close settles it anew), and a rebuild from scratch (replaying the stream, or billing's own
log through the same `to_public`) gives the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, delete
from sqlalchemy.dialects.postgresql import insert

from billing.adapters.projections import charge_totals
from billing.adapters.projections.tables import APPLIED, RELEASES, SETTLEMENTS, VIEW_TABLES
from billing.adapters.publishing import to_public
from billing.domain.periods import Calendar
from shared.contracts import Envelope, parse_event, topics
from shared.contracts.billing import ContractCharged, FeeSettled, SettlementReversed, WithheldReleased
from shared.eventstore import EventStore
from shared.messaging import Delivery

READER = "settlement-view"


class SettlementView:
    def __init__(self, engine: Engine, calendar: Calendar, zone: ZoneInfo) -> None:
        self.engine, self._calendar, self._zone = engine, calendar, zone

    def apply(self, deliveries: Sequence[Delivery]) -> None:
        with self.engine.begin() as conn:
            fresh = APPLIED.claim(conn, READER, [d.envelope.id for d in deliveries])
            charged: list[dict[str, object]] = []  # stored together: charges touch no other table
            for d in deliveries:
                if d.envelope.id not in fresh:
                    continue
                fresh.discard(d.envelope.id)  # the same event twice in one batch
                if isinstance(d.event, ContractCharged):
                    charged.append(d.event.model_dump(exclude={"charged_at"}))
                else:
                    self._apply_one(conn, d.event)
            charge_totals.book(conn, charged)

    def _apply_one(self, conn: Connection, event: object) -> None:
        match event:
            case FeeSettled():
                _upsert(conn, SETTLEMENTS, "settlement_id", event.model_dump(exclude={"settled_at"}))
            case SettlementReversed(reverses_settlement_id=undone):  # the view shows what stands
                conn.execute(delete(SETTLEMENTS).where(SETTLEMENTS.c.settlement_id == undone))
            case WithheldReleased(released_at=at):
                period = self._calendar.period_of(at.astimezone(self._zone).date())
                _upsert(conn, RELEASES, "release_id", event.model_dump() | {"period": period})

    def rebuild(self, deliveries: Iterable[Delivery], batch: int = 500) -> None:
        """Empty the view and apply the whole stream again."""
        with self.engine.begin() as conn:
            for table in VIEW_TABLES:
                conn.execute(delete(table))
            conn.execute(delete(APPLIED.table).where(APPLIED.table.c.reader == READER))
        chunk: list[Delivery] = []
        for delivery in deliveries:
            chunk.append(delivery)
            if len(chunk) == batch:
                self.apply(chunk)
                chunk = []
        self.apply(chunk)


def _upsert(conn: Connection, table: Table, key: str, row: dict[str, object]) -> None:
    statement = insert(table).values(row)
    conn.execute(statement.on_conflict_do_update(index_elements=[key], set_={k: v for k, v in row.items() if k != key}))


def replay(store: EventStore, page: int = 1000) -> Iterable[Delivery]:
    """Billing's public settlement stream, recomputed from its own log (for a rebuild
    that does not depend on the broker's retention)."""
    position = 0
    while events := store.read_log(position, page):
        for recorded in events:
            for message in to_public(recorded):
                if message.topic == topics.SETTLEMENTS.name:
                    envelope = Envelope.decode(message.value)
                    yield Delivery(envelope, parse_event(envelope), message.topic)
        position = events[-1].position or position
