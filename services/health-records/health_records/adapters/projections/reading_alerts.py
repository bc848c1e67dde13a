"""The read model "reading alerts": the team's worklist of device readings out of the resident's
target or flagged implausible, and their counts per team for the officials of an area.

It follows the service's own log and records its position in the same transaction as its rows
(as the fulfilment view does), so each reading counts once however often it is replayed. A reading
out of target is one row; a device's implausible readings of one local day are one row that counts
them (a broken cuff posting a reading a minute is one alert, not 1,440), showing the last received.
An implausible reading names no team: it goes to the team in charge on its local day, from the
contracts this view keeps (the latest to start, as the alert rule decides).

The table and the follower are named `_v2` since implausible readings are counted per day: a
deployment with the first table builds the new one from its log (the old one is left unread).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from health_records.adapters.projections.fulfilment import METADATA, POSITIONS
from health_records.application.streams import EVENTS
from health_records.domain.alerts import (
    IMPLAUSIBLE,
    OUT_OF_TARGET,
    AlertAcknowledged,
    AlertAcknowledgementWithdrawn,
    alert_id,
    flagged_alert_id,
)
from health_records.domain.care_events import ContractEnded, ContractReinstated, ContractStarted
from health_records.domain.readings import ReadingOutOfTarget, ReadingRecorded
from shared.eventstore import EventStore, RecordedEvent
from shared.readmodels import LogFollower

TEAMS_IN_CHARGE = Table(
    "reading_alert_contracts",
    METADATA,
    Column("contract_id", String(64), primary_key=True),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("position", BigInteger, nullable=False),  # the later started wins a day two contracts cover
)
ALERTS = Table(
    "reading_alerts_v2",
    METADATA,
    Column("alert_id", String(36), primary_key=True),
    # In the log, of the last reading counted: the worklist's order (newest first), and what a
    # replayed event is recognised by (it is not after it).
    Column("position", BigInteger, nullable=False),
    Column("reason", String(16), nullable=False),  # out_of_target, implausible
    Column("team_id", String(64), nullable=False),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("device_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("target", Float),  # the limit an out-of-target reading reached
    Column("measured_at", DateTime(timezone=True), nullable=False),
    Column("measured_on", Date, nullable=False),  # the local day, for periods
    Column("readings", Integer, nullable=False),  # counted: 1 out of target, the day's implausible ones
    Column("acknowledged_by", String(100)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Index("reading_alerts_v2_team", "team_id", "position"),
    Index("reading_alerts_v2_area", "area_code", "measured_on"),
)
TABLES = (TEAMS_IN_CHARGE, ALERTS)
APPLIES = EVENTS.names_of(ContractStarted, ContractEnded, ContractReinstated, ReadingOutOfTarget)
APPLIES |= EVENTS.names_of(AlertAcknowledged, AlertAcknowledgementWithdrawn)
RECORDED = EVENTS.names_of(ReadingRecorded)


def apply(zone: ZoneInfo, conn: Connection, events: Sequence[RecordedEvent]) -> None:
    for recorded in events:
        if recorded.type in RECORDED and not recorded.data.get("implausible"):
            continue  # most readings: plausible, and alerting (if at all) by their ReadingOutOfTarget
        if recorded.type in APPLIES or recorded.type in RECORDED:
            _apply(conn, zone, recorded.position or 0, EVENTS.decode(recorded.type, recorded.data))


def _apply(conn: Connection, zone: ZoneInfo, position: int, event: object) -> None:
    match event:
        case ContractStarted() as s:
            row: dict[str, Any] = {"contract_id": s.contract_id, "resident_ref": s.resident_ref}
            row |= {"team_id": s.team_id, "institution_id": s.institution_id, "area_code": s.area_code}
            row |= {"starts_on": s.starts_on}
            added = insert(TEAMS_IN_CHARGE).values(row | {"last_day": s.ends_on, "position": position})
            conn.execute(added.on_conflict_do_nothing(index_elements=["contract_id"]))
        case (
            ContractEnded(contract_id=contract_id, last_day=last_day)
            | ContractReinstated(contract_id=contract_id, last_day=last_day)
        ):
            t = TEAMS_IN_CHARGE
            conn.execute(update(t).where(t.c.contract_id == contract_id).values(last_day=last_day))
        case ReadingOutOfTarget() as o:
            under = {"team_id": o.under.team_id, "institution_id": o.under.institution_id}
            under |= {"area_code": o.under.area_code, "resident_ref": o.under.resident_ref}
            reading = o.device_id, o.kind, o.value, o.unit, o.measured_at
            _add(conn, zone, position, OUT_OF_TARGET, under, *reading, o.limit)
        case ReadingRecorded() as r:
            day = r.measured_at.astimezone(zone).date()
            team = _in_charge(conn, r.resident_ref, day)
            if team is not None:  # else nobody to tell: the reading stays on the record, flagged
                _flag(conn, position, team, r, day)
        case AlertAcknowledged() as a:
            conn.execute(_acknowledged(a.alert_id, a.acknowledged_by, a.acknowledged_at))
        case AlertAcknowledgementWithdrawn() as w:
            conn.execute(_acknowledged(w.alert_id, None, None))


def _add(  # noqa: PLR0913
    conn: Connection,
    zone: ZoneInfo,
    position: int,
    reason: str,
    under: dict[str, Any],
    device_id: str,
    kind: str,
    value: float,
    unit: str,
    measured_at: datetime,
    target: float | None,
) -> None:
    row = under | {"alert_id": alert_id(device_id, kind, measured_at), "position": position, "reason": reason}
    row |= {"device_id": device_id, "kind": kind, "value": value, "unit": unit, "target": target}
    row |= {"measured_at": measured_at, "measured_on": measured_at.astimezone(zone).date(), "readings": 1}
    # One row per reading, should a batch ever be applied twice (the position makes that rare).
    conn.execute(insert(ALERTS).values(row).on_conflict_do_nothing(index_elements=["alert_id"]))


def _flag(conn: Connection, position: int, team: dict[str, Any], r: ReadingRecorded, day: date) -> None:
    """The device's alert of the day: opened by its first implausible reading, counting the others.
    A reading is counted only if it comes after the last counted in the log, so a batch applied
    twice counts nothing twice (the log is applied in order, and a rebuild starts empty)."""
    row = team | {"alert_id": flagged_alert_id(r.device_id, day), "position": position, "reason": IMPLAUSIBLE}
    row |= {"device_id": r.device_id, "kind": r.kind, "value": r.value, "unit": r.unit, "target": None}
    row |= {"measured_at": r.measured_at, "measured_on": day, "readings": 1}
    added = insert(ALERTS).values(row)
    latest = {c: added.excluded[c] for c in ("position", "kind", "value", "unit", "measured_at")}
    counted = added.on_conflict_do_update(
        index_elements=["alert_id"],
        set_=latest | {"readings": ALERTS.c.readings + 1},
        where=ALERTS.c.position < added.excluded.position,
    )
    conn.execute(counted)


def _in_charge(conn: Connection, ref: str, day: date) -> dict[str, Any] | None:
    t = TEAMS_IN_CHARGE
    query = (
        select(t.c.resident_ref, t.c.team_id, t.c.institution_id, t.c.area_code)
        .where(t.c.resident_ref == ref, t.c.starts_on <= day, t.c.last_day >= day)
        .order_by(t.c.position.desc())
        .limit(1)
    )
    found = conn.execute(query).first()
    return dict(found._mapping) if found else None


def _acknowledged(alert: str, by: str | None, at: datetime | None) -> Any:
    return update(ALERTS).where(ALERTS.c.alert_id == alert).values(acknowledged_by=by, acknowledged_at=at)


def follower(store: EventStore, engine: Engine, zone: ZoneInfo) -> LogFollower:
    return LogFollower(store, engine, POSITIONS, "reading_alerts_v2", partial(apply, zone))


class ReadingAlerts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def worklist(self, team_id: str, open_only: bool, before: int | None, limit: int) -> dict[str, Any]:
        """A page of the team's alerts, newest first; `next_before` asks for the next page."""
        a = ALERTS.c
        query = select(ALERTS).where(a.team_id == team_id)
        if open_only:
            query = query.where(a.acknowledged_at.is_(None))
        if before is not None:
            query = query.where(a.position < before)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query.order_by(a.position.desc()).limit(limit))]
        items = [_item(r) for r in rows]
        return {"team_id": team_id, "items": items, "next_before": rows[-1]["position"] if len(rows) == limit else None}

    def find(self, team_id: str, alert: str) -> dict[str, Any] | None:
        a = ALERTS.c
        with self.engine.connect() as conn:
            found = conn.execute(select(ALERTS).where(a.alert_id == alert, a.team_id == team_id)).first()
        return _item(dict(found._mapping)) if found else None

    def per_team(self, area_code: str, first: date, last: date, team_id: str | None = None) -> list[dict[str, Any]]:
        """Each team's readings of the local days `first` to `last`: out of target, flagged
        implausible, and the alerts still open. Counts only: no resident."""
        a = ALERTS.c
        query = (
            select(
                a.team_id,
                a.institution_id,
                a.area_code,
                func.count().filter(a.reason == OUT_OF_TARGET).label("out_of_target"),
                func.coalesce(func.sum(a.readings).filter(a.reason == IMPLAUSIBLE), 0).label("flagged"),
                func.count().filter(a.acknowledged_at.is_(None)).label("open_alerts"),
            )
            .where(a.area_code.startswith(area_code, autoescape=True), a.measured_on.between(first, last))
            .group_by(a.team_id, a.institution_id, a.area_code)
            .order_by(a.team_id)
        )
        if team_id is not None:
            query = query.where(a.team_id == team_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _item(row: dict[str, Any]) -> dict[str, Any]:
    acknowledged = row["acknowledged_at"]
    return {
        "alert_id": row["alert_id"],
        "reason": row["reason"],
        "status": "open" if acknowledged is None else "acknowledged",
        "resident_ref": row["resident_ref"],
        "device_id": row["device_id"],
        "kind": row["kind"],
        "value": row["value"],
        "unit": row["unit"],
        "target": row["target"],
        "measured_at": row["measured_at"].isoformat(),
        "readings": row["readings"],
        "institution_id": row["institution_id"],
        "area_code": row["area_code"],
        "acknowledged_by": row["acknowledged_by"],
        "acknowledged_at": acknowledged.isoformat() if acknowledged else None,
    }
