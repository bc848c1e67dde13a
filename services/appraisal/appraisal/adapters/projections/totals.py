"""The strata by a moment: the changes before a local midnight added up into every stratum
they fall in are kept (`stratum_totals`, by the first read of the day, from the day before's
if kept), so a read takes the strata as kept and adds only that day's changes, however long
the period has run and however many teams a city has."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, time, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, func, insert, select, text, true

from appraisal.adapters.projections.cases_tables import CASE_CHANGES, STRATUM_TOTALS
from appraisal.domain.catalogue import LEVELS
from appraisal.domain.facts import Where
from appraisal.domain.strata import stratum_id
from shared.readmodels.arriving import Arriving

Key = tuple[str, str, str, str, str, str]
"""Indicator, level, code, key population ('' for the whole stratum) and, of a team's, the
institution and area of its cases (which make the team a known subject; '' at other levels)."""
Sums = dict[Key, tuple[int, int]]
"""Each stratum's numerator and denominator."""

_KEY = ("indicator_id", "level", "code", "key_population", "institution_id", "area_code")
ARRIVING = Arriving.like(STRATUM_TOTALS)


def strata_at(conn: Connection, period: str, as_of: datetime, zone: tzinfo, area: str, tagged: bool) -> Sums:  # noqa: PLR0913
    """The strata of the cases in the area (a city or wider) by the as-of: the latest kept by
    its local midnight, and the changes since; `tagged`: the key populations' too. Read only:
    `keep` the midnight's first."""
    if len(area) > 4:
        raise ValueError(f"the strata are kept per city: {area!r} is inside one")
    t, c = STRATUM_TOTALS, CASE_CHANGES
    latest = conn.execute(
        select(func.max(t.c.before)).where(t.c.period == period, t.c.before <= midnight(as_of, zone))
    ).scalar()
    city = t.c.city == area if len(area) == 4 else t.c.city.startswith(area)  # equal: one partition is read
    untagged = () if tagged else (t.c.key_population == "",)
    sums: Sums = {}
    kept = select(*_key(t), t.c.numerator, t.c.denominator)
    _add_kept(sums, conn.execute(kept.where(t.c.period == period, t.c.before == latest, city, *untagged)).all())
    since = c.c.instant >= latest if latest is not None else true()
    day = conn.execute(_groups(c, c.c.period == period, since, c.c.instant <= as_of, *_inside(c, area))).all()
    _add_groups(sums, (group[1:] for group in day), tagged)
    return sums


def keep(conn: Connection, period: str, as_of: datetime, zone: tzinfo) -> None:
    """The strata by the as-of's local midnight, kept if no read kept them yet (in a
    transaction of its own, before the read: it may write)."""
    kept(conn, period, midnight(as_of, zone))


def midnight(as_of: datetime, zone: tzinfo) -> datetime:
    return datetime.combine(as_of.astimezone(zone).date(), time(), zone)


def kept(conn: Connection, period: str, before: datetime) -> None:
    """The strata of every change before `before`, kept if they were not: from the latest kept
    before it, and the changes between (added up per group by PostgreSQL, then into strata).
    Writers of changes take the period's lock shared (`lock_totals`), so totals are never kept
    from changes still being written."""
    t, c = STRATUM_TOTALS, CASE_CHANGES
    exists = select(t.c.period).where(t.c.period == period, t.c.before == before).limit(1)
    if conn.execute(exists).first() is not None:
        return
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('case_totals:' || :period))"), {"period": period})
    if conn.execute(exists).first() is not None:
        return  # another read kept them meanwhile
    # Months of changes added up per group by hashing: the planner guesses the groups from each
    # column's distinct values multiplied (a city's 30,000 groups as 770,000) and would sort
    # every change instead, three times slower.
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    conn.execute(text("SET LOCAL enable_sort = off"))
    latest = conn.execute(select(func.max(t.c.before)).where(t.c.period == period, t.c.before < before)).scalar()
    by_city: dict[str, Sums] = {}
    earlier = select(t.c.city, *_key(t), t.c.numerator, t.c.denominator)
    for row in conn.execute(earlier.where(t.c.period == period, t.c.before == latest)).all():
        _add_kept(by_city.setdefault(row[0], {}), [row[1:]])
    since = c.c.instant >= latest if latest is not None else true()
    for group in conn.execute(_groups(c, c.c.period == period, since, c.c.instant < before)).all():
        _add_groups(by_city.setdefault(group[0], {}), [group[1:]], tagged=True)
    rows = (
        (city, period, before, *key, n, d) for city, sums in by_city.items() for key, (n, d) in sums.items() if n or d
    )
    ARRIVING.copy_in(conn, rows)
    conn.execute(insert(t).from_select(ARRIVING.names, select(*(ARRIVING.table.c[n] for n in ARRIVING.names))))
    conn.execute(delete(ARRIVING.table))  # a reader may keep another midnight in the same transaction


def lock_totals(conn: Connection, periods: Collection[str]) -> None:
    """Before writing changes of these periods: no totals are kept of them until the commit."""
    conn.execute(
        text(
            "SELECT count(pg_advisory_xact_lock_shared(hashtext('case_totals:' || p)))"
            " FROM unnest(CAST(:ps AS text[])) AS p"
        ),
        {"ps": sorted(periods)},
    )


def _add_kept(sums: Sums, rows: Iterable[Any]) -> None:
    for row in rows:
        _add(sums, row[:6], row[6], row[7])


def _add_groups(sums: Sums, groups: Iterable[Any], tagged: bool) -> None:
    """Each group's sums under each stratum it falls in, at every level (`figures.case_strata`
    narrows them to an indicator's): a team's with the institution and area of its cases."""
    for indicator_id, team_id, institution_id, area_code, key_populations, n, d in groups:
        where = Where(team_id, institution_id, area_code)
        tags = ("", *key_populations.split(",")) if tagged and key_populations else ("",)
        for level in LEVELS:
            code, inside = stratum_id(level, where), (institution_id, area_code) if level == "team" else ("", "")
            for kp in tags:
                _add(sums, (indicator_id, level, code, kp, *inside), n, d)


def _add(sums: Sums, key: Key, n: int, d: int) -> None:
    """Tuples of ints, not lists: the collector stops tracking them (a city's read makes tens of thousands)."""
    was = sums.get(key)
    sums[key] = (int(n), int(d)) if was is None else (was[0] + int(n), was[1] + int(d))


def _groups(c: Table, *where: ColumnElement[bool]) -> Any:
    """The changes added up per group: each falls in the same strata."""
    by = (c.c.city, c.c.indicator_id, c.c.team_id, c.c.institution_id, c.c.area_code, c.c.key_populations)
    n, d = func.sum(c.c.d_numerator), func.sum(c.c.d_denominator)
    return select(*by, n, d).where(*where).group_by(*by)


def _key(t: Table) -> tuple[Any, ...]:
    return tuple(t.c[name] for name in _KEY)


def _inside(t: Table, area: str) -> tuple[ColumnElement[bool], ...]:
    """In the area; for an area inside a city, only in the city's partition."""
    return (t.c.area_code.startswith(area), *((t.c.city == area[:4],) if len(area) >= 4 else ()))
