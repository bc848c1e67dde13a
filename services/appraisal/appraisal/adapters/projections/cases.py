"""The projection step that keeps `case_changes` current, in the transaction that inserts a
batch's facts: what each resident's new facts change in the figures (`domain/recomputation.py`).

Residents are locked in sorted order (a transaction-scoped advisory lock each), so workers
on different partitions serialize per resident without deadlock; the lock is taken before
anything of the resident is read, so each sees the facts the one before it committed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    ClauseElement,
    ColumnElement,
    Connection,
    String,
    Table,
    TableClause,
    and_,
    any_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CASE_GROUPS, CHANGES_KEY, NAMED_BY, STRATUM_TOTALS
from appraisal.adapters.projections.facts_tables import CONTRACT_ENDS, CONTRACT_STARTS, NAMING_A_RESIDENT
from appraisal.adapters.projections.resident_reads import CITIES, histories, in_cities
from appraisal.adapters.projections.totals import LOCK_WRITING, midnight, writing_locks
from appraisal.domain.catalogue import Catalogue
from appraisal.domain.recomputation import Changes, in_turn, late
from shared.readmodels.arriving import Arriving
from shared.readmodels.together import together

Rows = Mapping[Table, list[dict[str, Any]]]
ChangeKey = tuple[str, str, str, str, str, str, str, datetime]
"""City, period, indicator, team, institution, area, key populations, instant."""


class CasesProjection:
    """Given to `FactsProjection`, which calls it with each batch's new fact rows."""

    def __init__(self, catalogue: Catalogue, zone: tzinfo) -> None:
        self._catalogue, self._zone = catalogue, zone

    def apply(self, conn: Connection, rows: Rows, whose_ended: Mapping[str, str]) -> None:
        """After the batch's new fact rows are inserted, in the same transaction. `whose_ended`:
        the resident of each contract the batch's endings end, where known (`WHOSE_ENDED`)."""
        news = _news(rows, whose_ended)
        if not news:
            return
        refs = sorted(news)
        *_, areas = together(conn, _LOCKED, {"refs": refs})  # locked before their cities are read
        cities = in_cities(areas)
        after = histories(conn, refs, cities=cities)
        late_ones = [r for r in refs if after[r].known_from(min(news[r].known_at)) != len(news[r].known_at)]
        new_ids = [i for r in late_ones for i in news[r].event_ids]
        before = histories(conn, late_ones, without=new_ids, cities=cities) if late_ones else {}
        changes: dict[ChangeKey, tuple[int, int]] = {}
        for ref in refs:
            instants = sorted(set(news[ref].known_at))
            if ref in before:
                found = late(self._catalogue, self._zone, before[ref], after[ref], instants[0])
            else:
                found = in_turn(self._catalogue, self._zone, after[ref], instants)
            _add(changes, found)
        _write(conn, changes, midnight(datetime.now(UTC), self._zone))  # the clock's, not a simulation's


_IN_UTC = text("SET LOCAL TIME ZONE 'UTC'")
"""The batch's histories read with their instants in UTC (the transaction's only: the driver gives
them in the session's zone, `Etc/UTC` say, a zone whose offset each comparison and hash asks for),
as the times the batch's facts were known are and its midnights (`periods.midnight`): two instants
in the same zone compare and subtract without asking either for its offset."""
_PLANNED_FOR_ITS_RESIDENTS = text("SET LOCAL plan_cache_mode = force_custom_plan")
"""The batch's reads by its residents planned for the residents they name. psycopg prepares a
statement run five times, and PostgreSQL then keeps a generic plan, costed for an array of ten:
for hundreds of residents that plan scanned whole tables, testing each row against every name
(a batch's facts and cities 100 ms and more at 20,000 residents, growing with the population);
planned for the array given, they are index probes, or a scan against a hashed list."""
_LOCKED = (
    text("SELECT count(pg_advisory_xact_lock(hashtext(r))) FROM unnest(CAST(:refs AS text[])) AS r"),
    _IN_UTC,
    _PLANNED_FOR_ITS_RESIDENTS,
    CITIES,
)
"""The batch's residents locked, the zone and plans set and the cities their facts are in read,
in that order and in one round trip: each statement waits for the one before it on the server."""


@dataclass
class _News:
    """A resident's facts in the batch: when each was known, and the events they came in."""

    known_at: list[datetime] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


def _news(rows: Rows, whose: Mapping[str, str]) -> dict[str, _News]:
    """Each resident a new fact is of, and those facts. An ending is of its contract's
    resident (as the facts reader pairs them), once that contract is known."""
    found: dict[str, _News] = defaultdict(_News)

    def add(ref: str, row: dict[str, Any]) -> None:
        found[ref].known_at.append(row["known_at"])
        found[ref].event_ids.append(row["event_id"])

    for kind, values in rows.items():
        if kind in NAMING_A_RESIDENT:
            for row in values:
                add(row["resident_ref"], row)
    for row in rows.get(CONTRACT_ENDS, []):
        if row["contract_id"] in whose:
            add(whose[row["contract_id"]], row)
    return dict(found)


WHOSE_ENDED = select(CONTRACT_STARTS.c.contract_id, CONTRACT_STARTS.c.resident_ref).where(
    CONTRACT_STARTS.c.contract_id == any_(bindparam("ended", type_=ARRAY(String)))
)
"""The resident of each contract `ended` names, of those known (its start may be in the batch, copied in before)."""


def _add(changes: dict[ChangeKey, tuple[int, int]], found: Changes) -> None:
    for (period, indicator_id), net in found.items():
        for (at, where, tags), (n, d) in net.items():
            key = (where.area_code[:4], period, indicator_id, *where, ",".join(tags), at)
            was = changes.get(key, (0, 0))
            changes[key] = (was[0] + n, was[1] + d)


NAMES = ("city", "period", "indicator_id", "team_id", "institution_id", "area_code", "key_populations", "instant",
         "d_numerator", "d_denominator")  # fmt: skip
TYPES = (*(("text",) * 7), "timestamptz", "bigint", "bigint")
ARRIVING = Arriving("case_changes_arriving", list(zip(NAMES, TYPES, strict=True)), binary=True)
"""A batch's changes, copied in before they are added to `case_changes` in one statement (in
the binary format: a batch's thousands of rows written in C, their instants not as text)."""


def _write(conn: Connection, changes: dict[ChangeKey, tuple[int, int]], today: datetime) -> None:
    """The groups not named before are named first; the changes are then added in the key's
    order, so two workers adding to the same rows lock them in the same order."""
    rows = [(*key, n, d) for key, (n, d) in changes.items() if n or d]
    if rows:
        earliest: dict[str, datetime] = {}
        for _city, period, *_, instant, _n, _d in rows:
            earliest[period] = min(instant, earliest.get(period, instant))
        ARRIVING.copy_in(conn, rows)  # a table of this transaction's own: no lock needed before
        periods = sorted(earliest.items())
        params = {"keys": writing_locks(earliest, today), **_forgotten(periods)}
        _, _, ((added,),), _ = together(conn, [LOCK_WRITING, _NAMING, _ADDING, _forgetting(len(periods))], params)
        if added != len(rows):  # a group unnamed would lose its changes: never so, but never silently
            raise RuntimeError(f"{len(rows) - added} of a batch's {len(rows)} changes found no group")


def _named(a: TableClause) -> ColumnElement[bool]:
    return and_(*(CASE_GROUPS.c[n] == a.c[n] for n in NAMED_BY))


def _naming(a: TableClause) -> ClauseElement:
    """The batch's groups, in order (workers naming the same wait in turn), those named before
    found by their key, one look each: asked first which were not (NOT EXISTS), PostgreSQL read
    every group of a city for each batch (16.8 ms at a million residents, 60,475 groups). A
    number drawn for a group named before is skipped (a bigint: gaps cost nothing)."""
    names = select(*(a.c[n] for n in NAMED_BY)).distinct().order_by(*(a.c[n] for n in NAMED_BY))
    return insert(CASE_GROUPS).from_select(NAMED_BY, names).on_conflict_do_nothing()


def _adding(a: TableClause) -> ClauseElement:
    """The batch's changes added in the key's order: workers adding to the same rows lock them alike."""
    t, g = CASE_CHANGES, CASE_GROUPS
    chosen = select(a.c.period, a.c.instant, a.c.city, g.c.group_id, a.c.d_numerator, a.c.d_denominator)
    chosen = chosen.select_from(a.join(g, _named(a))).order_by(a.c.period, a.c.instant, a.c.city, g.c.group_id)
    statement = insert(t).from_select((*CHANGES_KEY, "d_numerator", "d_denominator"), chosen)
    added_up = {
        "d_numerator": t.c.d_numerator + statement.excluded.d_numerator,
        "d_denominator": t.c.d_denominator + statement.excluded.d_denominator,
    }
    added = statement.on_conflict_do_update(index_elements=CHANGES_KEY, set_=added_up).returning(literal(1)).cte()
    return select(func.count()).select_from(added)  # how many were added: one row, not one a change


_NAMING, _ADDING = _naming(ARRIVING.table), _adding(ARRIVING.table)


@cache
def _forgetting(periods: int) -> ClauseElement:
    """Totals kept before a midnight no longer hold once a change comes for an instant before it.
    One statement for the batch's periods (one round trip, not one a period), each period's a
    range of `stratum_totals_by_midnight` (OR'ed: a bitmap scan of each range): joined with the
    list of periods, the delete read every total kept, 0.4 s a batch at 200,000 residents. Made
    once for each number of periods (a few): its parameters `period<n>` and `before<n>`."""
    t = STRATUM_TOTALS
    ranges = (and_(t.c.period == bindparam(f"period{n}"), t.c.before > bindparam(f"before{n}")) for n in range(periods))
    return delete(t).where(or_(*ranges))


def _forgotten(periods: list[tuple[str, datetime]]) -> dict[str, Any]:
    """`_forgetting`'s parameters: each period, and its earliest instant in the batch."""
    params: dict[str, Any] = {}
    for n, (period, instant) in enumerate(periods):
        params[f"period{n}"], params[f"before{n}"] = period, instant
    return params
