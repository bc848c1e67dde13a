"""The read model "package fulfilment": per resident, what is due, done and overdue this contract year.

It follows the service's own log (contracts, plans, visits) and records its position in the
same transaction as its rows, so each event counts once; `rebuild()` replays it from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    select,
)
from sqlalchemy import update as sql_update

from health_records.application.streams import EVENTS, PLANS
from health_records.domain.care_events import ContractEnded, ContractReinstated, ContractStarted, VisitCompleted
from health_records.domain.fulfilment import Planned, contract_year, fulfilment
from health_records.domain.plan import PlanDrawn, PlannedService, PlanRevised
from shared.eventstore import EventStore, RecordedEvent
from shared.readmodels import LogFollower, Positions

METADATA = MetaData()
POSITIONS = Positions(METADATA)
CONTRACTS = Table(
    "fulfilment_contracts",
    METADATA,
    Column("contract_id", String(64), primary_key=True),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("team_id", String(64), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("last_day", Date, nullable=False),
)
PLANNED = Table(
    "fulfilment_planned",
    METADATA,
    Column("resident_ref", String(40), primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("times_per_year", Integer, nullable=False),
    Column("in_package", Boolean, nullable=False),
)
DELIVERED = Table(
    "fulfilment_delivered",
    METADATA,
    Column("visit_id", String(64), primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("delivered_on", Date, nullable=False),
)
TABLES = (CONTRACTS, PLANNED, DELIVERED)
APPLIES = EVENTS.names_of(ContractStarted, ContractEnded, ContractReinstated, PlanDrawn, PlanRevised, VisitCompleted)


def apply(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """A batch's rows a table at a time: a statement for each event was most of the follower's time."""
    rows = _Rows()
    for recorded in events:
        if recorded.type in APPLIES:
            rows.add(recorded.stream_id, EVENTS.decode(recorded.type, recorded.data))
    rows.store(conn)


@dataclass
class _Rows:
    """What a batch changes, by table: each contract stored before any change of its last day
    (the changes in order), a resident's plan the one the batch drew last."""

    started: list[dict[str, Any]] = field(default_factory=list)
    last_days: list[dict[str, Any]] = field(default_factory=list)
    plans: dict[str, tuple[PlannedService, ...]] = field(default_factory=dict)
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def add(self, stream_id: str, event: object) -> None:
        match event:
            case ContractStarted() as s:
                contract = {"contract_id": s.contract_id, "resident_ref": s.resident_ref, "team_id": s.team_id}
                self.started.append(contract | {"starts_on": s.starts_on, "last_day": s.ends_on})
            case (
                ContractEnded(contract_id=contract_id, last_day=last_day)
                | ContractReinstated(contract_id=contract_id, last_day=last_day)
            ):
                self.last_days.append({"changed": contract_id, "to": last_day})
            case PlanDrawn(services=services) | PlanRevised(services=services):
                self.plans[stream_id.removeprefix(f"{PLANS.prefix}-")] = services
            case VisitCompleted() as v:
                visit = {"visit_id": v.visit_id, "resident_ref": v.under.resident_ref, "delivered_on": v.occurred_on}
                self.delivered.extend(visit | {"item_code": code} for code in v.fulfils)

    def store(self, conn: Connection) -> None:
        if self.started:
            conn.execute(CONTRACTS.insert(), self.started)
        if self.last_days:
            changed = CONTRACTS.c.contract_id == bindparam("changed")
            conn.execute(sql_update(CONTRACTS).where(changed).values(last_day=bindparam("to")), self.last_days)
        if self.plans:
            _replan(conn, self.plans)
        if self.delivered:
            conn.execute(DELIVERED.insert(), self.delivered)


def _replan(conn: Connection, plans: dict[str, tuple[PlannedService, ...]]) -> None:
    conn.execute(delete(PLANNED).where(PLANNED.c.resident_ref.in_(list(plans))))
    rows = [
        {
            "resident_ref": ref,
            "item_code": s.item_code,
            "times_per_year": s.times_per_year,
            "in_package": s.contracted > 0,
        }
        for ref, services in plans.items()
        for s in services
    ]
    if rows:
        conn.execute(PLANNED.insert(), rows)


def follower(store: EventStore, engine: Engine) -> LogFollower:
    return LogFollower(store, engine, POSITIONS, "fulfilment", apply)


class FulfilmentView:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def for_resident(self, ref: str, as_of: date) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            contracts = conn.execute(select(CONTRACTS).where(CONTRACTS.c.resident_ref == ref)).all()
            current = _current([dict(c._mapping) for c in contracts], as_of)
            if current is None:
                return None
            return _fulfilment(conn, current, as_of)

    def for_team(self, team_id: str, as_of: date) -> list[dict[str, Any]]:
        """The team's residents under contract on `as_of`, with their counts."""
        query = select(CONTRACTS).where(
            CONTRACTS.c.team_id == team_id, CONTRACTS.c.starts_on <= as_of, CONTRACTS.c.last_day >= as_of
        )
        with self.engine.connect() as conn:
            views = [_fulfilment(conn, dict(c._mapping), as_of) for c in conn.execute(query.order_by("resident_ref"))]
        return [_summary(v) for v in views]


def _current(contracts: list[dict[str, Any]], as_of: date) -> dict[str, Any] | None:
    """The contract covering the date, else the latest to start."""
    covering = [c for c in contracts if c["starts_on"] <= as_of <= c["last_day"]]
    return max(covering or contracts, key=lambda c: c["starts_on"], default=None)


def _fulfilment(conn: Connection, contract: dict[str, Any], as_of: date) -> dict[str, Any]:
    ref = contract["resident_ref"]
    planned = conn.execute(select(PLANNED).where(PLANNED.c.resident_ref == ref).order_by(PLANNED.c.item_code))
    delivered = conn.execute(
        select(DELIVERED.c.item_code, DELIVERED.c.delivered_on).where(DELIVERED.c.resident_ref == ref)
    )
    year = contract_year(contract["starts_on"], contract["last_day"], as_of)
    items = fulfilment(
        year,
        [Planned(p.item_code, p.times_per_year, p.in_package) for p in planned],
        [(d.item_code, d.delivered_on) for d in delivered],
        as_of,
    )
    return {
        "resident_ref": ref,
        "contract_id": contract["contract_id"],
        "team_id": contract["team_id"],
        "year_starts_on": year.starts_on,
        "year_ends_on": year.ends_on,
        "as_of": as_of,
        "items": [asdict(i) for i in items],
    }


def _summary(view: dict[str, Any]) -> dict[str, Any]:
    items = view["items"]
    return {
        "resident_ref": view["resident_ref"],
        "contract_id": view["contract_id"],
        "expected_by_now": sum(i["expected_by_now"] for i in items),
        "done": sum(i["done"] for i in items),
        "overdue": sum(i["overdue"] for i in items),
    }
