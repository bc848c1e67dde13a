"""The read model "reading alerts": the team's worklist of device readings out of the resident's
target or flagged implausible, and their counts per team for the officials of an area.

It follows the service's own log and records its position in the same transaction as its rows
(as the fulfilment view does), so each reading counts once however often it is replayed. A reading
out of target is one row; a device's implausible readings of one local day are one row that counts
them (a broken cuff posting a reading a minute is one alert, not 1,440), showing the last received.
An implausible reading names no team: it goes to the team in charge on its local day, from the
contracts this view keeps (the latest to start, as the alert rule decides).
A batch of the log is applied in Python, over what the tables held of the rows it reads, and
stored a table at a time: a handful of statements, the same rows as event by event. Its tables are
`reading_alert_tables`; the API reads them through `reading_alert_reads`.

The table and the follower are named `_v2` since implausible readings are counted per day: a
deployment with the first table builds the new one from its log (the old one is left unread).

The counts per team for an area's officials come from a table of each team's counts per local day
(`TEAM_DAYS`), kept with the alerts from what the batch changed in them, and the teams that have
any (`TEAMS`), indexed by their area at each official's level: a page of an area's teams reads
those teams and each one's days of the period, not every alert of the area's every year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from health_records.adapters.projections.fulfilment import POSITIONS
from health_records.adapters.projections.reading_alert_tables import (
    ALERTS,
    COUNTED,
    DAY,
    FOLLOWER,
    GROUP,
    TEAM_DAYS,
    TEAMS,
    TEAMS_IN_CHARGE,
)
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

APPLIES = EVENTS.names_of(ContractStarted, ContractEnded, ContractReinstated, ReadingOutOfTarget)
APPLIES |= EVENTS.names_of(AlertAcknowledged, AlertAcknowledgementWithdrawn)
RECORDED = EVENTS.names_of(ReadingRecorded)
_LATEST = ("position", "kind", "value", "unit", "measured_at")  # of the last reading counted, shown


def apply(zone: ZoneInfo, conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """A batch's rows a table at a time: a statement or two for each event was most of the
    follower's time. What the tables held of the contracts and alerts the batch looks up, counts
    or acknowledges is read first (a statement each), the batch applied to it in Python in the
    log's order, and what it changed stored in a statement per table and kind of change."""
    batch: list[tuple[int, object]] = []
    for recorded in events:
        if recorded.type in RECORDED and not recorded.data.get("implausible"):
            continue  # most readings: plausible, and alerting (if at all) by their ReadingOutOfTarget
        if recorded.type in APPLIES or recorded.type in RECORDED:
            batch.append((recorded.position or 0, EVENTS.decode(recorded.type, recorded.data)))
    if batch:
        rows = _Rows(zone)
        rows.read(conn, [event for _, event in batch])
        for position, event in batch:
            rows.add(position, event)
        rows.store(conn)


@dataclass
class _Rows:
    """What a batch changes, by table, as each event alone changed it in turn. An implausible
    reading goes to the team in charge among the contracts as the log had them at the reading (the
    table's, with the batch's starts and changes of last day before it); it is counted only if it
    comes after the last counted; an acknowledgement changes an alert already there. A contract or
    an alert the batch adds is stored as the batch leaves it; one stored before, changed by the
    batch's last change."""

    zone: ZoneInfo
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)  # the table's (read) and the batch's
    residents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the same, by resident
    started: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_days: dict[str, date] = field(default_factory=dict)  # of contracts stored before the batch
    positions: dict[str, int] = field(default_factory=dict)  # of the stored alerts the batch counts or acknowledges
    opened: dict[str, dict[str, Any]] = field(default_factory=dict)
    counted: dict[str, dict[str, Any]] = field(default_factory=dict)  # stored alerts: the last reading, how many
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # stored alerts: the last word
    stored: dict[str, tuple[tuple[Any, ...], bool]] = field(default_factory=dict)  # their team's day, whether open

    def read(self, conn: Connection, events: list[object]) -> None:
        """What the tables hold of the rows the batch's events look up, change or count in: the
        contracts it starts or changes and all those of the residents whose readings it flags; the
        alerts it may count a flagged reading in or acknowledge. An alert out of target is read only
        if acknowledged in the batch: else, where it is already, adding it is all the batch does
        with it, and that does nothing (as it did event by event)."""
        t, a = TEAMS_IN_CHARGE, ALERTS.c
        ids = sorted(
            {e.contract_id for e in events if isinstance(e, ContractStarted | ContractEnded | ContractReinstated)}
        )
        refs = sorted({e.resident_ref for e in events if isinstance(e, ReadingRecorded)})
        if ids or refs:
            for row in conn.execute(select(t).where(t.c.contract_id.in_(ids) | t.c.resident_ref.in_(refs))):
                self._keep(dict(row._mapping))
        alerts = {flagged_alert_id(e.device_id, self._day(e)) for e in events if isinstance(e, ReadingRecorded)}
        alerts |= {e.alert_id for e in events if isinstance(e, AlertAcknowledged | AlertAcknowledgementWithdrawn)}
        if alerts:
            shown = (a.alert_id, a.position, a.acknowledged_at.is_(None).label("open"), *(a[c] for c in DAY))
            for row in conn.execute(select(*shown).where(a.alert_id.in_(sorted(alerts)))):
                self.positions[row.alert_id] = row.position
                self.stored[row.alert_id] = (_day_of(row._mapping), row.open)

    def add(self, position: int, event: object) -> None:
        match event:
            case ContractStarted() as s:
                self._start(position, s)
            case (
                ContractEnded(contract_id=contract, last_day=day)
                | ContractReinstated(contract_id=contract, last_day=day)
            ):
                self._change(contract, day)
            case ReadingOutOfTarget() as o:
                self._out_of_target(position, o)
            case ReadingRecorded() as r:
                self._flag(position, r)
            case AlertAcknowledged() as a:
                self._acknowledge(a.alert_id, a.acknowledged_by, a.acknowledged_at)
            case AlertAcknowledgementWithdrawn() as w:
                self._acknowledge(w.alert_id, None, None)

    def store(self, conn: Connection) -> None:
        self._store_contracts(conn)
        self._store_alerts(conn).store(conn)

    def _store_contracts(self, conn: Connection) -> None:
        t = TEAMS_IN_CHARGE
        if self.started:
            conn.execute(insert(t).on_conflict_do_nothing(index_elements=["contract_id"]), list(self.started.values()))
        if self.last_days:
            changed = [{"changed": contract, "to": day} for contract, day in self.last_days.items()]
            ending = update(t).where(t.c.contract_id == bindparam("changed"))
            conn.execute(ending.values(last_day=bindparam("to")), changed)

    def _store_alerts(self, conn: Connection) -> _Counts:
        """The alerts stored, and what that changed in their teams' days (from the rows inserted,
        and the stored ones' day and state as read): a batch applied again changes nothing."""
        a, days = ALERTS.c, _Counts()
        if self.opened:
            opening = insert(ALERTS).on_conflict_do_nothing(index_elements=["alert_id"])
            made = opening.returning(
                a.reason, a.readings, a.acknowledged_at.is_(None).label("open"), *(a[c] for c in DAY)
            )
            for row in conn.execute(made, list(self.opened.values())):  # only those not there already
                implausible = row.reason == IMPLAUSIBLE
                days.add(_day_of(row._mapping), int(not implausible), row.readings if implausible else 0, int(row.open))
        if self.counted:
            latest: dict[str, Any] = {c: bindparam(f"last_{c}") for c in _LATEST}
            counting = update(ALERTS).where(a.alert_id == bindparam("counted"))
            counting = counting.values(latest | {"readings": a.readings + bindparam("added")})
            conn.execute(counting, list(self.counted.values()))
            for alert, counted in self.counted.items():
                days.add(self.stored[alert][0], 0, counted["added"], 0)
        if self.acknowledged:
            acknowledging = update(ALERTS).where(a.alert_id == bindparam("alert"))
            acknowledging = acknowledging.values(acknowledged_by=bindparam("by"), acknowledged_at=bindparam("at"))
            conn.execute(acknowledging, list(self.acknowledged.values()))
            for alert, last in self.acknowledged.items():
                day, was_open = self.stored[alert]
                days.add(day, 0, 0, int(last["by"] is None) - int(was_open))
        return days

    def _start(self, position: int, s: ContractStarted) -> None:
        if s.contract_id in self.contracts:
            return  # stored already (a batch applied again): kept as first stored
        row: dict[str, Any] = {"contract_id": s.contract_id, "resident_ref": s.resident_ref}
        row |= {"team_id": s.team_id, "institution_id": s.institution_id, "area_code": s.area_code}
        self.started[s.contract_id] = row | {"starts_on": s.starts_on, "last_day": s.ends_on, "position": position}
        self._keep(self.started[s.contract_id])

    def _change(self, contract: str, last_day: date) -> None:
        if contract not in self.contracts:
            return  # not started (yet): an update of no row
        self.contracts[contract]["last_day"] = last_day
        if contract not in self.started:
            self.last_days[contract] = last_day

    def _out_of_target(self, position: int, o: ReadingOutOfTarget) -> None:
        alert = alert_id(o.device_id, o.kind, o.measured_at)
        if alert in self.positions or alert in self.opened:
            return  # one row per reading
        under = {"team_id": o.under.team_id, "institution_id": o.under.institution_id}
        under |= {"area_code": o.under.area_code, "resident_ref": o.under.resident_ref}
        reading = {"device_id": o.device_id, "kind": o.kind, "value": o.value, "unit": o.unit}
        self.opened[alert] = self._alert(
            alert, position, OUT_OF_TARGET, under | reading | {"measured_at": o.measured_at, "target": o.limit}
        )

    def _keep(self, contract: dict[str, Any]) -> None:
        self.contracts[contract["contract_id"]] = contract
        self.residents.setdefault(contract["resident_ref"], []).append(contract)

    def _day(self, r: ReadingRecorded) -> date:
        return r.measured_at.astimezone(self.zone).date()

    def _in_charge(self, ref: str, day: date) -> dict[str, Any] | None:
        """The team of the latest started of the resident's contracts covering the day."""
        covering = [c for c in self.residents.get(ref, ()) if c["starts_on"] <= day <= c["last_day"]]
        if not covering:
            return None
        latest = max(covering, key=lambda c: int(c["position"]))
        return {k: latest[k] for k in ("resident_ref", "team_id", "institution_id", "area_code")}

    def _flag(self, position: int, r: ReadingRecorded) -> None:
        """The device's alert of the day: opened by its first implausible reading, counting the others.
        A reading is counted only if it comes after the last counted in the log, so a batch applied
        twice counts nothing twice (the log is applied in order, and a rebuild starts empty)."""
        day = self._day(r)
        team = self._in_charge(r.resident_ref, day)
        if team is None:
            return  # nobody to tell: the reading stays on the record, flagged
        alert = flagged_alert_id(r.device_id, day)
        latest = {"position": position, "kind": r.kind, "value": r.value, "unit": r.unit, "measured_at": r.measured_at}
        if alert in self.opened:
            opened = self.opened[alert]
            if opened["position"] < position:
                opened |= latest | {"readings": opened["readings"] + 1}
        elif alert in self.positions:
            if self.positions[alert] < position:
                self.positions[alert] = position
                counted = self.counted.setdefault(alert, {"counted": alert, "added": 0})
                counted |= {f"last_{c}": v for c, v in latest.items()} | {"added": counted["added"] + 1}
        else:
            self.opened[alert] = self._alert(
                alert, position, IMPLAUSIBLE, team | latest | {"device_id": r.device_id, "target": None}
            )

    def _alert(self, alert: str, position: int, reason: str, row: dict[str, Any]) -> dict[str, Any]:
        """A new alert's row (`row`: its team, resident, device and reading), one reading counted."""
        row = row | {"alert_id": alert, "position": position, "reason": reason, "readings": 1}
        row |= {"measured_on": row["measured_at"].astimezone(self.zone).date()}
        return row | {"acknowledged_by": None, "acknowledged_at": None}

    def _acknowledge(self, alert: str, by: str | None, at: datetime | None) -> None:
        if alert in self.opened:
            self.opened[alert] |= {"acknowledged_by": by, "acknowledged_at": at}
        elif alert in self.positions:
            self.acknowledged[alert] = {"alert": alert, "by": by, "at": at}
        # else no such alert (yet): an acknowledgement changes nothing, as an update of no row


COUNTS = ("out_of_target", "flagged", "open_alerts")


def _day_of(row: Any) -> tuple[Any, ...]:
    return tuple(row[c] for c in DAY)


class _Counts(dict[tuple[Any, ...], list[int]]):
    """What a batch changed in each team's days: alerts out of target, readings flagged, open alerts."""

    def add(self, day: tuple[Any, ...], out_of_target: int, flagged: int, opened: int) -> None:
        counts = self.setdefault(day, [0, 0, 0])
        for i, change in enumerate((out_of_target, flagged, opened)):
            counts[i] += change

    def store(self, conn: Connection) -> None:
        """Added to the days (a day made by its first alert), and a team's first day lists it."""
        changed = [
            dict(zip(DAY, day, strict=True)) | dict(zip(COUNTS, c, strict=True)) for day, c in self.items() if any(c)
        ]
        if not changed:
            return
        adding = insert(TEAM_DAYS)
        adding = adding.on_conflict_do_update(
            index_elements=list(DAY), set_={c: TEAM_DAYS.c[c] + adding.excluded[c] for c in COUNTS}
        )
        conn.execute(adding, sorted(changed, key=lambda row: tuple(str(row[c]) for c in DAY)))
        teams = sorted({day[: len(GROUP)] for day in self})
        conn.execute(insert(TEAMS).on_conflict_do_nothing(), [dict(zip(GROUP, team, strict=True)) for team in teams])


def follower(store: EventStore, engine: Engine, zone: ZoneInfo) -> LogFollower:
    return LogFollower(store, engine, POSITIONS, FOLLOWER, partial(_follow, zone))


def _follow(zone: ZoneInfo, conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """A batch, the counts first made those of the alerts if they are of another position in the
    log: a database from before the counts (their tables made empty by `migrate`), or a follower of
    that version which moved on meanwhile (during a rolling upgrade), or a rebuild."""
    p = POSITIONS.table.c
    at = {
        name: position
        for name, position in conn.execute(select(p.follower, p.position).where(p.follower.in_((FOLLOWER, COUNTED))))
    }
    if at.get(COUNTED, 0) != at.get(FOLLOWER, 0):
        recount(conn)
    apply(zone, conn, events)
    POSITIONS.set(conn, COUNTED, events[-1].position or 0)


def recount(conn: Connection) -> None:
    """The counts made anew from the alerts: one aggregate of the alerts table (minutes at a
    province's size, once, in the follower's batch: the per-team counts wait on it, the worklist not)."""
    a = ALERTS.c
    conn.execute(delete(TEAM_DAYS))
    conn.execute(delete(TEAMS))
    per_day = select(
        *(a[c] for c in DAY),
        func.count().filter(a.reason == OUT_OF_TARGET),
        func.coalesce(func.sum(a.readings).filter(a.reason == IMPLAUSIBLE), 0),
        func.count().filter(a.acknowledged_at.is_(None)),
    ).group_by(*(a[c] for c in DAY))
    conn.execute(insert(TEAM_DAYS).from_select([*DAY, *COUNTS], per_day))
    conn.execute(insert(TEAMS).from_select(list(GROUP), select(*(TEAM_DAYS.c[c] for c in GROUP)).distinct()))
