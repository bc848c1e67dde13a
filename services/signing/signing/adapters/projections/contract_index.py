"""The contract index: which contracts a team, a resident, an area holds, by status and end.

A read model of signing's own log (`shared.readmodels.LogFollower`): each batch of events
and the follower's position are written in one transaction, so it is exact and rebuildable.
It answers searches and the daily expiry job; a single contract is read from the store.
The resident's name is kept sealed with the resident's key, as in the store, so erasing
the resident makes it unreadable here too.

A search reads its page in order (last day, then id) from an index that starts with what it
asks for: its team, or its area at the level of the officials' areas (province, city, county:
the code's first 2, 4 or 6 digits), and for the active contracts (what expires soon) an index of
those alone. A page reads about a page of rows, not every contract of the team or area of every
year to sort them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    literal_column,
    select,
    tuple_,
    update,
)

from shared.eventstore import RecordedEvent
from shared.eventstore.sealing import Sealer
from shared.readmodels import Positions
from shared.readmodels.areas import LEVELS, prefix, within
from shared.readmodels.indexes import kept_up
from signing.application.queries import ContractQuery
from signing.application.streams import EVENTS
from signing.domain.contract import (
    ContractContinued,
    ContractExpired,
    ContractReinstated,
    ContractSigned,
    ContractTerminated,
)

METADATA = MetaData()
POSITIONS = Positions(METADATA)
FOLLOWER = "contract-index"
INDEX = Table(
    "contract_index",
    METADATA,
    Column("contract_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("agreement_id", String(64), nullable=False, index=True),
    Column("agreement_kind", String(16), nullable=False),
    Column("resident_ref", String(40), nullable=False, index=True),
    Column("resident_name", Text, nullable=False),  # sealed
    Column("team_id", String(64), nullable=False),
    Column("doctor_id", String(64)),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("key_populations", String(200), nullable=False),
    Column("packages", String(500), nullable=False),
    Column("term_years", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("renews_contract_id", String(64)),
    Column("replaces_contract_id", String(64)),
    Column("successor_id", String(64)),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Index("contract_index_team_end", "team_id", "ends_on", "contract_id"),
    Index("contract_index_status_end", "status", "ends_on", "contract_id"),
)
LISTS = ("key_populations", "packages")
ACTIVE = INDEX.c.status == literal_column("'active'")
"""A constant in the SQL sent, not a parameter: a plan the server keeps for any status could
not use an index of the active contracts alone."""


TEAM_ACTIVE = Index(
    "contract_index_team_active_end", INDEX.c.team_id, INDEX.c.ends_on, INDEX.c.contract_id, postgresql_where=ACTIVE
)
BY_AREA = [
    Index(
        f"contract_index_{level}{kind}_end",
        prefix(INDEX.c.area_code, digits),
        INDEX.c.ends_on,
        INDEX.c.contract_id,
        postgresql_where=where,
    )
    for level, digits in LEVELS.items()
    for kind, where in (("", None), ("_active", ACTIVE))
]
RETIRED_INDEXES = ("ix_contract_index_area_code",)
"""The area's own index until 2026-12-06: a search of an area read and sorted its every contract."""


kept_up(METADATA, INDEX, RETIRED_INDEXES)


def apply(sealer: Sealer, conn: Connection, events: Sequence[RecordedEvent]) -> None:
    """Apply a batch of the log in order; consecutive signings go in one INSERT."""
    rows = Rows(sealer)
    for recorded in events:
        if not EVENTS.knows(recorded.type):
            continue
        event = EVENTS.decode(recorded.type, recorded.data)
        if isinstance(event, ContractSigned):
            rows.append(_row(event, recorded.version))
            continue
        change = _change(event)
        if change:
            rows.flush(conn)
            key = INDEX.c.contract_id == recorded.stream_id.removeprefix("contract-")
            conn.execute(update(INDEX).where(key).values(version=recorded.version, **change))
    rows.flush(conn)


def _change(event: object) -> dict[str, Any] | None:
    match event:
        case ContractContinued(by_contract_id=successor):
            return {"status": "renewed", "successor_id": successor}
        case ContractTerminated(last_day=last_day, replaced_by_contract_id=successor):
            return {"status": "terminated", "last_day": last_day} | ({"successor_id": successor} if successor else {})
        case ContractExpired():
            return {"status": "expired"}
        case ContractReinstated(last_day=last_day):
            return {"status": "active", "last_day": last_day}
    return None


class Rows(list[dict[str, Any]]):
    """New contracts waiting to be inserted, their residents' names sealed in one go."""

    def __init__(self, sealer: Sealer) -> None:
        super().__init__()
        self._sealer = sealer

    def flush(self, conn: Connection) -> None:
        if not self:
            return
        names = self._sealer.seal_texts([(r["resident_ref"], _place(r), r["resident_name"]) for r in self])
        conn.execute(insert(INDEX), [r | {"resident_name": name} for r, name in zip(self, names, strict=True)])
        self.clear()


def _place(row: dict[str, Any]) -> str:
    return f"contract_index/{row['contract_id']}/resident_name"


def _row(e: ContractSigned, version: int) -> dict[str, Any]:
    return {
        "contract_id": e.contract_id,
        "version": version,
        "status": "active",
        "agreement_id": e.agreement_id,
        "agreement_kind": e.agreement_kind,
        "resident_ref": e.resident_ref,
        "resident_name": e.resident.name,
        "team_id": e.team_id,
        "doctor_id": e.doctor_id,
        "institution_id": e.institution_id,
        "area_code": e.area_code,
        "key_populations": ",".join(e.resident.key_populations),
        "packages": ",".join(p.code for p in e.packages),
        "term_years": e.term_years,
        "starts_on": e.starts_on,
        "ends_on": e.ends_on,
        "last_day": e.ends_on,
        "renews_contract_id": getattr(e, "renews_contract_id", None),
        "replaces_contract_id": e.replaces_contract_id,
        "successor_id": None,
        "signed_at": e.signed_at,
    }


class ContractIndex:
    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self.engine, self._sealer = engine, sealer

    def search(self, q: ContractQuery) -> list[dict[str, Any]]:
        """Up to `q.limit` + 1 contracts (one more tells whether another page follows)."""
        filters = [
            column == value
            for column, value in (
                (INDEX.c.team_id, q.team_id),
                (INDEX.c.doctor_id, q.doctor_id),
                (INDEX.c.resident_ref, q.resident_ref),
                (INDEX.c.agreement_id, q.agreement_id),
            )
            if value is not None
        ]
        if q.status:
            filters.append(ACTIVE if q.status == "active" else INDEX.c.status == q.status)
        if q.area:
            filters.extend(within(INDEX.c.area_code, q.area))
        if q.ends_by:
            filters.append(INDEX.c.ends_on <= q.ends_by)
        if q.after:
            filters.append(tuple_(INDEX.c.ends_on, INDEX.c.contract_id) > tuple_(*q.after))
        query = select(INDEX).where(*filters).order_by(INDEX.c.ends_on, INDEX.c.contract_id).limit(q.limit + 1)
        with self.engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(query)]
        names = self._sealer.open_texts([(r["resident_ref"], _place(r), r["resident_name"]) for r in found])
        return [_public(r | {"resident_name": name}) for r, name in zip(found, names, strict=True)]

    def due_to_expire(self, as_of: date, limit: int) -> list[dict[str, Any]]:
        """Active contracts whose last day is before `as_of`, oldest first."""
        query = (
            select(INDEX.c.contract_id, INDEX.c.team_id, INDEX.c.resident_ref)
            .where(INDEX.c.status == "active", INDEX.c.ends_on < as_of)
            .order_by(INDEX.c.ends_on, INDEX.c.contract_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    signed_at = row["signed_at"]  # a column without a zone; the store's times are UTC
    zoned = signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
    return row | {name: [x for x in row[name].split(",") if x] for name in LISTS} | {"signed_at": zoned}
