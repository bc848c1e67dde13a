"""The projection step that keeps `case_changes` current, in the transaction that inserts a
batch's facts: what each resident's new facts change in the figures (`domain/recomputation.py`).

Residents are locked in sorted order (a transaction-scoped advisory lock each), so workers
on different partitions serialize per resident without deadlock; the lock is taken before
anything of the resident is read, so each sees the facts the one before it committed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import ARRAY, Connection, Table, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.cases_tables import CASE_CHANGES
from appraisal.adapters.facts_tables import CARE, CONTRACT_ENDS, CONTRACT_STARTS, RATINGS, REFERRAL_STEPS, VISITS
from appraisal.adapters.resident_reads import histories
from appraisal.domain.catalogue import Catalogue
from appraisal.domain.recomputation import Arrived, Changes, in_turn, late

Rows = Mapping[Table, list[dict[str, Any]]]
ChangeKey = tuple[str, str, str, str, str, str, datetime]
"""Period, indicator, team, institution, area, key populations, instant."""


class CasesProjection:
    """Given to `FactsProjection`, which calls it with each batch's new fact rows."""

    def __init__(self, catalogue: Catalogue, zone: tzinfo) -> None:
        self._catalogue, self._zone = catalogue, zone

    def apply(self, conn: Connection, rows: Rows) -> None:
        """After the batch's new fact rows are inserted, in the same transaction."""
        news = _news(conn, rows, self._zone)
        if not news:
            return
        refs = sorted(news)
        conn.execute(text("SELECT count(pg_advisory_xact_lock(hashtext(r))) FROM unnest(CAST(:refs AS text[])) AS r"),
                     {"refs": refs})  # fmt: skip
        after = histories(conn, refs)
        late_ones = [r for r in refs if after[r].known_from(news[r].since) != len(news[r].facts)]
        new_ids = [i for r in late_ones for i in news[r].event_ids]
        before = histories(conn, late_ones, without=new_ids) if late_ones else {}
        changes: dict[ChangeKey, tuple[int, int]] = {}
        for ref in refs:
            if ref in before:
                found = late(self._catalogue, self._zone, before[ref], after[ref], news[ref].arrived())
            else:
                found = in_turn(self._catalogue, self._zone, after[ref], news[ref].in_turn())
            _add(changes, found)
        _write(conn, changes)


@dataclass
class _News:
    """A resident's facts in the batch: when each was known, its kind and the day it names."""

    facts: list[tuple[datetime, str, date | None]] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)

    @property
    def since(self) -> datetime:
        return min(at for at, _, _ in self.facts)

    def arrived(self) -> Arrived:
        return _arrived(self.facts)

    def in_turn(self) -> list[Arrived]:
        by_instant: dict[datetime, list[tuple[datetime, str, date | None]]] = defaultdict(list)
        for fact in self.facts:
            by_instant[fact[0]].append(fact)
        return [_arrived(facts) for _, facts in sorted(by_instant.items())]


def _arrived(facts: Iterable[tuple[datetime, str, date | None]]) -> Arrived:
    at, kinds, days = zip(*facts, strict=True)
    named = None if None in days else frozenset(d for d in days if d is not None)
    return Arrived(min(at), frozenset(kinds), named)


def _news(conn: Connection, rows: Rows, zone: tzinfo) -> dict[str, _News]:
    """Each resident a new fact is of, and those facts. An ending is of its contract's
    resident (as the facts reader pairs them), once that contract is known."""
    found: dict[str, _News] = defaultdict(_News)

    def add(ref: str, row: dict[str, Any], kind: str, day: date | None) -> None:
        found[ref].facts.append((row["known_at"], kind, day))
        found[ref].event_ids.append(row["event_id"])

    for table, values in rows.items():
        if table is not CONTRACT_ENDS and table in _KINDS:
            kind, named = _KINDS[table]
            for row in values:
                add(row["resident_ref"], row, kind, None if named is None else _day(row[named], zone))
    ended = rows.get(CONTRACT_ENDS, [])
    if ended:
        t = CONTRACT_STARTS
        query = select(t.c.contract_id, t.c.resident_ref).where(t.c.contract_id.in_({r["contract_id"] for r in ended}))
        whose = dict(conn.execute(query).all())
        for row in ended:
            if row["contract_id"] in whose:
                add(whose[row["contract_id"]], row, "endings", None)
    return dict(found)


_KINDS = {CONTRACT_STARTS: ("contracts", None), CONTRACT_ENDS: ("endings", None), VISITS: ("visits", "occurred_at"),
          RATINGS: ("ratings", "rated_at"), REFERRAL_STEPS: ("referrals", "issued_at"),
          CARE: ("care", "occurred_on")}  # fmt: skip
"""The kind of facts (as a resident's history names them) each table holds, and the column
of the day such a fact names (none for contracts and their endings: they reach every period)."""


def _day(value: date | datetime, zone: tzinfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def _add(changes: dict[ChangeKey, tuple[int, int]], found: Changes) -> None:
    for (period, indicator_id), net in found.items():
        for (at, where, tags), (n, d) in net.items():
            key = (period, indicator_id, *where, ",".join(tags), at)
            was = changes.get(key, (0, 0))
            changes[key] = (was[0] + n, was[1] + d)


def _write(conn: Connection, changes: dict[ChangeKey, tuple[int, int]]) -> None:
    """In sorted order: two workers adding to the same rows lock them in the same order."""
    rows = [(*key, n, d) for key, (n, d) in sorted(changes.items()) if n or d]
    if rows:
        t = CASE_CHANGES
        names = ("period", "indicator_id", "team_id", "institution_id", "area_code", "key_populations", "instant",
                 "d_numerator", "d_denominator")  # fmt: skip
        columns = zip(names, zip(*rows, strict=True), strict=True)
        arrays = (bindparam(None, list(values), ARRAY(t.c[name].type)) for name, values in columns)
        statement = insert(t).from_select(names, select(*map(func.unnest, arrays)))  # one statement for them all
        added_up = {
            "d_numerator": t.c.d_numerator + statement.excluded.d_numerator,
            "d_denominator": t.c.d_denominator + statement.excluded.d_denominator,
        }
        conn.execute(statement.on_conflict_do_update(index_elements=names[:7], set_=added_up))
