"""Referral's read models, each filled by a follower of the service's own log.

- `FEED`: each hospital's HTTP feed, from the very messages the relay sends to its topic.
- `ReferralOverview`: which referrals a hospital or a team has, in which state, with their
  timing; and which are past their deadline unanswered (what the expiry job expires).

Each list is read newest first by an index that starts with its hospital or team (and status,
when one is asked for) and goes on by the time issued, and the expiry job's by an index of the
unanswered alone: a page reads about a page of rows however many years the table holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from referral.adapters.publishing import to_public
from referral.application.streams import EVENTS
from referral.domain import referral as r
from shared.contracts import topics
from shared.eventstore import EventStore, RecordedEvent
from shared.readmodels import LogFollower, PartnerFeed, Positions
from shared.readmodels.indexes import kept_up

METADATA = MetaData()
POSITIONS = Positions(METADATA)
FEED = PartnerFeed(METADATA, "hospitals", topics.HOSPITAL_PREFIX)
OVERVIEW = Table(
    "referral_overview",
    METADATA,
    Column("referral_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("hospital_id", String(64), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("resident_ref", String(40), nullable=False),
    Column("department", String(64), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("combined_signing", Boolean, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("appointment_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Index("referral_overview_hospital_issued", "hospital_id", "issued_at"),
    Index("referral_overview_hospital_status_issued", "hospital_id", "status", "issued_at"),
    Index("referral_overview_team_issued", "team_id", "issued_at"),
    Index("referral_overview_team_status_issued", "team_id", "status", "issued_at"),
)
UNANSWERED = OVERVIEW.c.status == literal_column("'issued'")
"""A constant in the SQL sent, not a parameter: a plan the server keeps for any parameter could
not use the index of the unanswered alone."""
Index("referral_overview_unanswered_expiry", OVERVIEW.c.expires_at, postgresql_where=UNANSWERED)
RETIRED_INDEXES = tuple(f"ix_referral_overview_{c}" for c in ("hospital_id", "team_id", "expires_at"))
"""The single-column indexes until 2026-12-06: a list read every row of its hospital or team, of
every year, to sort them; the expiry job every referral ever expired or answered before the due."""


kept_up(METADATA, OVERVIEW, RETIRED_INDEXES)


def feed_follower(store: EventStore, engine: Engine) -> LogFollower:
    def apply(conn: Connection, events: Sequence[RecordedEvent]) -> None:
        FEED.add(conn, [message for event in events for message in to_public(event)])

    return LogFollower(store, engine, POSITIONS, "hospital-feed", apply)


def overview_follower(store: EventStore, engine: Engine) -> LogFollower:
    return LogFollower(store, engine, POSITIONS, "referral-overview", _apply_overview)


def _apply_overview(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        fact = EVENTS.decode(recorded.type, recorded.data) if EVENTS.knows(recorded.type) else None
        if not isinstance(fact, r.FACTS):
            continue
        referral_id = fact.routing.referral_id
        if isinstance(fact, r.SLOT_FACTS):  # a slot booked or released leaves the status as it was
            conn.execute(update(OVERVIEW).where(OVERVIEW.c.referral_id == referral_id).values(version=recorded.version))
            continue
        row = {"version": recorded.version, "status": _STATUS[type(fact)], **_columns(fact)}
        if isinstance(fact, r.ReferralIssued):
            statement = insert(OVERVIEW).values(referral_id=referral_id, **row)
            conn.execute(statement.on_conflict_do_nothing(index_elements=["referral_id"]))
        else:  # the log is in commit order: the row is there
            conn.execute(update(OVERVIEW).where(OVERVIEW.c.referral_id == referral_id).values(**row))


def _columns(fact: r.Fact) -> dict[str, Any]:
    match fact:
        case r.ReferralIssued(routing=g):
            return {
                "hospital_id": g.hospital_id,
                "team_id": g.team_id,
                "resident_ref": g.resident_ref,
                "department": fact.department,
                "priority": fact.priority,
                "combined_signing": fact.combined_signing,
                "issued_at": _utc(g.issued_at),
                "expires_at": _utc(fact.expires_at),
            }
        case r.ReferralAccepted():
            return {"accepted_at": _utc(fact.accepted_at), "appointment_at": _utc(fact.appointment_at)}
        case r.ReferralCompleted():
            return {"completed_at": _utc(fact.completed_at)}
    return {}


_STATUS: dict[type, str] = {
    r.ReferralIssued: "issued",
    r.ReferralAccepted: "accepted",
    r.ReferralDeclined: "declined",
    r.ReferralCompleted: "completed",
    r.DownReferralIssued: "down_referred",
    r.DownReferralAcknowledged: "down_referral_acknowledged",
    r.ReferralCancelled: "cancelled",
    r.ReferralExpired: "expired",
}


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class ReferralOverview:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def listed(self, column: str, value: str, status: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(OVERVIEW).where(OVERVIEW.c[column] == value)
        if status is not None:
            query = query.where(OVERVIEW.c.status == status)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(OVERVIEW.c.issued_at.desc()).limit(limit))
            return [_public_row(row._mapping) for row in rows]

    def overdue(self, as_of: datetime, limit: int) -> list[str]:
        """Referrals still unanswered at their deadline, oldest first."""
        o = OVERVIEW.c
        query = select(o.referral_id).where(UNANSWERED, o.expires_at <= _utc(as_of))
        with self._engine.connect() as conn:
            return list(conn.execute(query.order_by(o.expires_at).limit(limit)).scalars())


def feed_page(engine: Engine, hospital_id: str, after: int, limit: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return FEED.page(conn, hospital_id, after, limit)


def _public_row(row: Any) -> dict[str, Any]:
    return {k: (_utc_read(v).isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def _utc_read(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # a column without a zone keeps UTC
