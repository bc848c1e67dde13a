"""The projection step that keeps `resident_cases` and `stratum_deltas` current, in the
transaction that inserts a batch's facts: each resident the batch touched is recomputed from
the earliest time one of its new facts was known, and only what changed is written.

Residents are locked in sorted order (a transaction-scoped advisory lock each), so workers
on different partitions serialize per resident without deadlock; the lock is taken before
anything of the resident is read, so each sees the facts the one before it committed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import ARRAY, Connection, Table, bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.case_rows import row_of, segment_of, segments_query
from appraisal.adapters.cases_tables import RESIDENT_CASES, STRATUM_DELTAS
from appraisal.adapters.facts_tables import CARE, CONTRACT_ENDS, CONTRACT_STARTS, RATINGS, REFERRAL_STEPS, VISITS
from appraisal.adapters.resident_reads import histories
from appraisal.domain.catalogue import Catalogue, CatalogueVersion
from appraisal.domain.deltas import Delta
from appraisal.domain.facts import Where
from appraisal.domain.figures import case_strata
from appraisal.domain.recomputation import Arrived, recomputed
from appraisal.domain.strata import Stratum
from appraisal.domain.trajectory import Segment

Rows = Mapping[Table, list[dict[str, Any]]]
DeltaKey = tuple[str, str, str, str, str, datetime]  # period, indicator, level, stratum, key population, instant
Changes = dict[DeltaKey, tuple[int, int, str]]
"""Per key, the numerator and denominator to add, and the stratum's area."""


class CasesProjection:
    """Given to `FactsProjection`, which calls it with each batch's new fact rows."""

    def __init__(self, catalogue: Catalogue, zone: tzinfo) -> None:
        self._catalogue, self._zone = catalogue, zone

    def apply(self, conn: Connection, rows: Rows) -> None:
        """After the batch's new fact rows are inserted, in the same transaction."""
        touched = _touched(conn, rows, self._zone)
        if not touched:
            return
        refs = sorted(touched)
        conn.execute(text("SELECT count(pg_advisory_xact_lock(hashtext(r))) FROM unnest(CAST(:refs AS text[])) AS r"),
                     {"refs": refs})  # fmt: skip
        stored = _stored(conn, refs)
        gone: list[int] = []
        added: list[dict[str, Any]] = []
        changes: Changes = {}
        strata: StrataAreas = {}
        for ref, history in histories(conn, refs).items():
            for r in recomputed(self._catalogue, self._zone, history, touched[ref], _segments(stored[ref])):
                ids = stored[ref].get(r.period.code, {})
                kept = Counter({s: len(held) for s, held in ids.items()})
                for s in r.segments:
                    if kept[s] > 0:
                        kept[s] -= 1
                    else:
                        added.append(row_of(r.period.code, s))
                gone += [i for s, n in kept.items() for i in ids[s][:n]]
                version = self._catalogue.for_period(r.period)
                _add(changes, r.period.code, r.deltas, _areas(version, r.period.code, [*ids, *r.segments], strata))
        _write(conn, gone, added, changes)


def _touched(conn: Connection, rows: Rows, zone: tzinfo) -> dict[str, Arrived]:
    """Each resident a new fact is of, and what is new of them. An ending is of its contract's
    resident (as the facts reader pairs them), once that contract is known."""
    found: dict[str, Arrived] = {}

    def touch(ref: str, at: datetime, kind: str, day: date | None) -> None:
        was = found.get(ref, Arrived(at, frozenset(), frozenset()))
        days = None if was.days is None or day is None else was.days | {day}
        found[ref] = Arrived(min(at, was.since), was.kinds | {kind}, days)

    for table, values in rows.items():
        if table is not CONTRACT_ENDS and table in _KINDS:
            kind, named = _KINDS[table]
            for row in values:
                day = None if named is None else _day(row[named], zone)
                touch(row["resident_ref"], row["known_at"], kind, day)
    ended: dict[str, datetime] = {}
    for row in rows.get(CONTRACT_ENDS, []):
        ended[row["contract_id"]] = min(row["known_at"], ended.get(row["contract_id"], row["known_at"]))
    if ended:
        t = CONTRACT_STARTS
        whose = select(t.c.contract_id, t.c.resident_ref).where(t.c.contract_id.in_(list(ended)))
        for contract_id, ref in conn.execute(whose):
            touch(ref, ended[contract_id], "endings", None)
    return found


_KINDS = {CONTRACT_STARTS: ("contracts", None), CONTRACT_ENDS: ("endings", None), VISITS: ("visits", "occurred_at"),
          RATINGS: ("ratings", "rated_at"), REFERRAL_STEPS: ("referrals", "issued_at"),
          CARE: ("care", "occurred_on")}  # fmt: skip
"""The kind of facts (as a resident's history names them) each table holds, and the column
of the day such a fact names (none for contracts and their endings: they reach every period)."""


def _day(value: date | datetime, zone: tzinfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def _stored(conn: Connection, refs: list[str]) -> dict[str, dict[str, dict[Segment, list[int]]]]:
    """Each resident's segments by period, with the ids of the rows holding each."""
    found: dict[str, dict[str, dict[Segment, list[int]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for r in conn.execute(segments_query().where(RESIDENT_CASES.c.resident_ref.in_(refs))):
        found[r[6]][r[1]][segment_of(r)].append(r[0])
    return found


def _segments(by_period: Mapping[str, Mapping[Segment, list[int]]]) -> dict[str, list[Segment]]:
    return {code: [s for s, ids in held.items() for _ in ids] for code, held in by_period.items()}


StrataAreas = dict[tuple[str, str, Where, tuple[str, ...]], dict[Stratum, str]]
"""Per period (whose catalogue version is always the same), indicator, where and key populations
of a case: the areas of its strata."""


def _areas(
    version: CatalogueVersion, period: str, segments: Iterable[Segment], known: StrataAreas
) -> dict[Stratum, str]:
    """The area each stratum is in: a team's or institution's, as its cases name it; an area's own code.
    `known` keeps each kind of case's answer for the batch: most residents share a team and periods."""
    found: dict[Stratum, str] = {}
    for indicator_id, where, tags in {(s.indicator_id, s.case.where, s.case.key_populations) for s in segments}:
        key = (period, indicator_id, where, tags)
        if (areas := known.get(key)) is None:
            areas = known[key] = _case_areas(version, indicator_id, where, tags)
        found |= areas
    return found


def _case_areas(version: CatalogueVersion, indicator: str, where: Where, tags: tuple[str, ...]) -> dict[Stratum, str]:
    found: dict[Stratum, str] = {}
    for stratum in case_strata(version.indicator(indicator), where, tags):
        whole = Stratum(stratum.level, stratum.id)
        found[whole] = where.area_code if whole.level in ("team", "institution") else whole.id
    return found


def _add(changes: Changes, period: str, deltas: list[Delta], areas: dict[Stratum, str]) -> None:
    for d in deltas:
        s = d.stratum
        key = (period, d.indicator_id, s.level, s.id, s.key_population, d.instant)
        n, dd, _ = changes.get(key, (0, 0, ""))
        changes[key] = (n + d.numerator, dd + d.denominator, areas[Stratum(s.level, s.id)])


def _write(conn: Connection, gone: list[int], added: list[dict[str, Any]], changes: Changes) -> None:
    """The deltas in sorted order: two workers adding to the same figure's rows lock them in the same order."""
    if gone:
        conn.execute(delete(RESIDENT_CASES).where(RESIDENT_CASES.c.id.in_(gone)))
    if added:
        conn.execute(insert(RESIDENT_CASES), added)
    rows = [(*key, area, n, d) for key, (n, d, area) in sorted(changes.items()) if n or d]
    if rows:
        t = STRATUM_DELTAS
        names = ("period", "indicator_id", "level", "stratum_id", "key_population", "instant", "area_code",
                 "d_numerator", "d_denominator")  # fmt: skip
        columns = zip(names, zip(*rows, strict=True), strict=True)
        arrays = (bindparam(None, list(values), ARRAY(t.c[name].type)) for name, values in columns)
        statement = insert(t).from_select(names, select(*map(func.unnest, arrays)))  # one statement for them all
        added_up = {
            "d_numerator": t.c.d_numerator + statement.excluded.d_numerator,
            "d_denominator": t.c.d_denominator + statement.excluded.d_denominator,
        }
        conn.execute(statement.on_conflict_do_update(index_elements=names[:6], set_=added_up))
