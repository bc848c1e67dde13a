"""The medical-insurance settlement view, built from the public billing stream.

Each charge, settlement and release is kept as it was published, keyed by its own id, the
charges', settlements' and releases' sums per group beside them (`charge_totals`,
`group_totals`), written in the same transaction. A redelivery changes nothing:
- a charge replaces the stored charge of its id, taking its sums away and adding its own, so
  applied again it leaves what it left. Its event id is not claimed: claiming was a third of the
  database's time per batch, and the claims grew with every charge ever made. Redeliveries come
  in order (Kafka's after a restart, from the last offset committed; a relay's, from its last
  position), and a charge's versions share a partition (its contract's institution is the key),
  so the last one delivered is the last one published;
- the other events' ids are claimed in the same transaction, as a reversal removes what its
  settlement stored: a restated release replaces the earlier one (same release id), a reversed
  settlement leaves (its period was reopened; the next close settles it anew).
A rebuild from scratch (replaying the stream, or billing's own log through the same `to_public`)
gives the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete

from billing.adapters.projections import charge_totals
from billing.adapters.projections import view_upgrades as _upgrades  # noqa: F401 (`migrate` gives a view from before its columns)
from billing.adapters.projections.group_totals import RELEASED, SETTLED, areas_moved
from billing.adapters.projections.tables import APPLIED, VIEW_TABLES
from billing.adapters.publishing import to_public
from billing.domain.periods import Calendar
from shared.contracts import Envelope, parse_event, topics
from shared.contracts.billing import ContractCharged, FeeSettled, SettlementReversed, WithheldReleased
from shared.eventstore import EventStore
from shared.messaging import Delivery

READER = "settlement-view"
# An event's values as they are (it was validated as it was parsed); a release's period is the view's.
_settlement_row, _release_values = attrgetter(*SETTLED.arriving.names), attrgetter(*RELEASED.arriving.names[:-1])
Row = tuple[Any, ...]


class SettlementView:
    def __init__(self, engine: Engine, calendar: Calendar, zone: ZoneInfo) -> None:
        self.engine, self._calendar, self._zone = engine, calendar, zone

    def apply(self, deliveries: Sequence[Delivery]) -> None:
        """The batch's last word on each charge, settlement and release, stored a table at a
        time: what applying its events one by one would leave."""
        with self.engine.begin() as conn, areas_moved(conn):
            claimed = [d.envelope.id for d in deliveries if not isinstance(d.event, ContractCharged)]
            fresh = APPLIED.claim(conn, READER, claimed)
            charged: dict[str, Row] = {}
            settled: dict[str, Row | None] = {}  # None: reversed (the view shows what stands)
            released: dict[str, Row] = {}
            for d in deliveries:
                if isinstance(d.event, ContractCharged):
                    charged[d.event.charge_id] = charge_totals.row_of(d.event)
                    continue
                if d.envelope.id not in fresh:
                    continue
                fresh.discard(d.envelope.id)  # the same event twice in one batch
                match d.event:
                    case FeeSettled() as event:
                        settled[event.settlement_id] = _settlement_row(event)
                    case SettlementReversed(reverses_settlement_id=undone):
                        settled[undone] = None
                    case WithheldReleased() as event:
                        released[event.release_id] = self._release(event)
            charge_totals.book(conn, list(charged.values()))
            SETTLED.store(conn, list(settled), [row for row in settled.values() if row is not None])
            RELEASED.store(conn, list(released), list(released.values()))

    def _release(self, event: WithheldReleased) -> Row:
        """Its row, with the settlement period it was released in."""
        period = self._calendar.period_of(event.released_at.astimezone(self._zone).date())
        return (*_release_values(event), period)

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
