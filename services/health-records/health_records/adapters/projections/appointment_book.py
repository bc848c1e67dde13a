"""The read model "appointments to remind": booked appointments not yet reminded, by start time.

It follows the service's own log and records its position with its rows (as the fulfilment
view does); the reminder job lists from it, and the command decides again on the aggregate,
so a lagging view can make a run remind late, never twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, String, Table, delete, select

from health_records.adapters.projections.fulfilment import METADATA, POSITIONS
from health_records.application.streams import EVENTS
from health_records.domain.appointments import (
    AppointmentAttended,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
    AppointmentReminderDue,
    AppointmentRescheduled,
)
from shared.eventstore import EventStore, RecordedEvent
from shared.readmodels import LogFollower

TO_REMIND = Table(
    "appointments_to_remind",
    METADATA,
    Column("appointment_id", String(64), primary_key=True),
    Column("resident_ref", String(40), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False, index=True),
)
TABLES = (TO_REMIND,)
_CLOSING = (AppointmentCancelled, AppointmentAttended, AppointmentMissed, AppointmentReminderDue)
APPLIES = EVENTS.names_of(AppointmentBooked, AppointmentRescheduled, *_CLOSING)


def apply(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """A batch in two statements: each appointment as its last event in the batch leaves it (to be
    reminded of its time, booked or moved; or not at all, closed)."""
    last: dict[str, dict[str, Any] | None] = {}
    for recorded in events:
        if recorded.type in APPLIES:
            event = EVENTS.decode(recorded.type, recorded.data)
            appointment_id = getattr(event, "appointment_id", "")
            last[appointment_id] = _row(event)
    if last:
        conn.execute(delete(TO_REMIND).where(TO_REMIND.c.appointment_id.in_(list(last))))
        rows = [row for row in last.values() if row is not None]
        if rows:
            conn.execute(TO_REMIND.insert(), rows)


def _row(event: object) -> dict[str, Any] | None:
    match event:
        case AppointmentBooked() | AppointmentRescheduled() as b:  # moved: to be reminded of its new time
            return {"appointment_id": b.appointment_id, "resident_ref": b.resident_ref, "starts_at": b.slot.starts_at}
    return None


def follower(store: EventStore, engine: Engine) -> LogFollower:
    return LogFollower(store, engine, POSITIONS, "appointments_to_remind", apply)


class ToRemind:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def due(self, as_of: datetime, lead: timedelta, limit: int) -> list[tuple[str, str]]:
        """(resident_ref, appointment_id) of those starting within the lead time of `as_of`, soonest first."""
        t = TO_REMIND.c
        query = select(t.resident_ref, t.appointment_id).where(t.starts_at <= as_of + lead, t.starts_at > as_of)
        with self.engine.connect() as conn:
            return [(r, a) for r, a in conn.execute(query.order_by(t.starts_at).limit(limit))]
