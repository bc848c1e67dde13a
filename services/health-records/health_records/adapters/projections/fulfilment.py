"""The read model "package fulfilment": per resident, what is due, done and overdue this contract year.

It follows the service's own log (contracts, plans, visits) and records its position in the
same transaction as its rows, so each event counts once; `rebuild()` replays it from 0.
"""

from __future__ import annotations

from collections import defaultdict
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
    any_,
    bindparam,
    delete,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import ARRAY

from health_records.application.streams import EVENTS, PLANS
from health_records.domain.care_events import ContractEnded, ContractReinstated, ContractStarted, VisitCompleted
from health_records.domain.fulfilment import ContractYear, Planned, contract_year, fulfilment
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
            year = contract_year(current["starts_on"], current["last_day"], as_of)
            services = _Services.read(conn, [ref], year.starts_on, year.ends_on)
        return _fulfilment(current, year, services, as_of)

    def for_team(self, team_id: str, as_of: date) -> list[dict[str, Any]]:
        """The team's residents under contract on `as_of`, with their counts: three queries for
        the team (its contracts, their plans, their visits of the contract years), where two for
        each resident, reading every year's visits, made a team of thousands thousands of queries."""
        c = CONTRACTS.c
        query = select(CONTRACTS).where(c.team_id == team_id, c.starts_on <= as_of, c.last_day >= as_of)
        with self.engine.connect() as conn:
            contracts = [dict(r._mapping) for r in conn.execute(query.order_by(c.resident_ref))]
            if not contracts:
                return []
            years = [contract_year(x["starts_on"], x["last_day"], as_of) for x in contracts]
            refs = sorted({x["resident_ref"] for x in contracts})
            first, last = min(y.starts_on for y in years), max(y.ends_on for y in years)
            services = _Services.read(conn, refs, first, last)
        return [_summary(_fulfilment(x, year, services, as_of)) for x, year in zip(contracts, years, strict=True)]


def _current(contracts: list[dict[str, Any]], as_of: date) -> dict[str, Any] | None:
    """The contract covering the date, else the latest to start."""
    covering = [c for c in contracts if c["starts_on"] <= as_of <= c["last_day"]]
    return max(covering or contracts, key=lambda c: c["starts_on"], default=None)


@dataclass
class _Services:
    """The residents' planned services (by item code) and their visits' items of `first` to
    `last` (those of the contract years asked about: the fulfilment counts no other)."""

    planned: dict[str, list[Planned]] = field(default_factory=lambda: defaultdict(list))
    delivered: dict[str, list[tuple[str, date]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, conn: Connection, refs: list[str], first: date, last: date) -> _Services:
        p, d, found = PLANNED.c, DELIVERED.c, cls()
        theirs = bindparam("refs", refs, ARRAY(String))
        for row in conn.execute(select(PLANNED).where(p.resident_ref == any_(theirs)).order_by(p.item_code)):
            found.planned[row.resident_ref].append(Planned(row.item_code, row.times_per_year, row.in_package))
        in_years = d.delivered_on.between(first, last)
        visits = select(d.resident_ref, d.item_code, d.delivered_on).where(d.resident_ref == any_(theirs), in_years)
        for row in conn.execute(visits):
            found.delivered[row.resident_ref].append((row.item_code, row.delivered_on))
        return found


def _fulfilment(contract: dict[str, Any], year: ContractYear, services: _Services, as_of: date) -> dict[str, Any]:
    ref = contract["resident_ref"]
    items = fulfilment(year, services.planned.get(ref, []), services.delivered.get(ref, []), as_of)
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
