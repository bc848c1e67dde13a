"""Reading the projected appraisal at an as-of: each group of cases is the sum of its changes
by then (the totals kept by that day's midnight, and that day's changes); the drill-down
asks the methods about the facts known then of the residents of a stratum, a page at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, time, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import array

from appraisal.adapters.projections.cases_tables import CASE_CHANGES, CASE_TOTALS
from appraisal.adapters.projections.facts_tables import CONTRACT_STARTS, OF_A_RESIDENT
from appraisal.adapters.projections.resident_reads import histories
from appraisal.domain.appraisal import counted_by_team
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.facts import Where
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum, area_prefix

Totals = dict[str, dict[Stratum, tuple[int, int]]]
"""Per indicator, each stratum's numerator and denominator."""


def counts_at(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: str, as_of: datetime, zone: tzinfo, area: str = "",
    tagged: bool = True,
) -> tuple[Totals, set[Where]]:  # fmt: skip
    """The groups of cases in the area (by the team's area, or the resident's where counted
    there) by the as-of, added up into strata by PostgreSQL; `tagged`: the key populations'
    strata too. And where the cases counted by team are. Read only: `keep` the midnight's
    totals first, so a read adds up a day's changes at most."""
    expanded = _strata(_groups_at(conn, period, as_of, zone, area), tagged)
    e = expanded.c
    by = (e.indicator_id, e.level, e.code, e.kp, e.institution_id, e.area_code)
    totals: Totals = defaultdict(dict)
    wheres: set[Where] = set()
    for row in conn.execute(select(*by, func.sum(e.n), func.sum(e.d)).group_by(*by)):
        indicator_id, level, code, kp, institution_id, area_code, n, d = row
        indicator = version.indicator(indicator_id)
        if level == "team" and not kp and counted_by_team(indicator):
            wheres.add(Where(code, institution_id, area_code))
        if level in indicator.levels and (not kp or indicator.by_key_population):
            was = totals[indicator_id].get(stratum := Stratum(level, code, kp), (0, 0))
            totals[indicator_id][stratum] = (was[0] + int(n), was[1] + int(d))
    return dict(totals), wheres


def _strata(groups: Any, tagged: bool) -> Any:
    """Each group under each stratum it falls in (`figures.case_strata`, at every level): a
    team's with the institution and area of its cases, which make the team a known subject."""
    g = groups.c
    tags = func.string_to_array(func.nullif(g.key_populations, ""), ",")
    key_population = (
        func.unnest(func.array_cat(array([""]), tags) if tagged else array([""])).table_valued("kp").render_derived()
    )
    levels = {
        "team": g.team_id,
        "institution": g.institution_id,
        "county": func.left(g.area_code, 6),
        "city": func.left(g.area_code, 4) + "00",
        "province": func.left(g.area_code, 2) + "0000",
    }
    none = literal("")
    return union_all(
        *(
            select(
                g.indicator_id,
                literal(level).label("level"),
                code.label("code"),
                key_population.c.kp,
                (g.institution_id if level == "team" else none).label("institution_id"),
                (g.area_code if level == "team" else none).label("area_code"),
                g.n,
                g.d,
            )
            .select_from(groups)
            .join(key_population, true())
            for level, code in levels.items()
        )
    ).subquery()


def _groups_at(conn: Connection, period: str, as_of: datetime, zone: tzinfo, area: str) -> Any:
    """Each group's sums by the as-of: the latest totals kept by its local midnight, and the changes since."""
    c, t = CASE_CHANGES, CASE_TOTALS
    latest = conn.execute(
        select(func.max(t.c.before)).where(t.c.period == period, t.c.before <= _midnight(as_of, zone))
    ).scalar()
    since = c.c.instant >= latest if latest is not None else true()
    query = union_all(
        select(*_group(t), t.c.numerator, t.c.denominator).where(
            t.c.period == period, t.c.before == latest, *_inside(t, area)
        ),
        select(*_group(c), c.c.d_numerator, c.c.d_denominator).where(
            c.c.period == period, since, c.c.instant <= as_of, *_inside(c, area)
        ),
    ).subquery()
    by = _group(query)
    n, d = func.sum(query.c.numerator), func.sum(query.c.denominator)
    return select(*by, n.label("n"), d.label("d")).group_by(*by).having((n != 0) | (d != 0)).cte("groups")


def keep(conn: Connection, period: str, as_of: datetime, zone: tzinfo) -> None:
    """The totals by the as-of's local midnight, kept if no read kept them yet (in a
    transaction of its own, before the read: it may write)."""
    kept(conn, period, _midnight(as_of, zone))


def _midnight(as_of: datetime, zone: tzinfo) -> datetime:
    return datetime.combine(as_of.astimezone(zone).date(), time(), zone)


def kept(conn: Connection, period: str, before: datetime) -> None:
    """The totals of every change before `before`, kept if they were not: from the latest totals
    kept before it, and the changes between. Writers of changes take the period's lock shared
    (`lock_totals`), so totals are never kept from changes still being written."""
    t, c = CASE_TOTALS, CASE_CHANGES
    exists = select(t.c.period).where(t.c.period == period, t.c.before == before).limit(1)
    if conn.execute(exists).first() is not None:
        return
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('case_totals:' || :period))"), {"period": period})
    if conn.execute(exists).first() is not None:
        return  # another read kept them meanwhile
    latest = conn.execute(select(func.max(t.c.before)).where(t.c.period == period, t.c.before < before)).scalar()
    earlier = select(*_group(t), t.c.numerator, t.c.denominator).where(t.c.period == period, t.c.before == latest)
    since = c.c.instant >= latest if latest is not None else true()
    between = select(*_group(c), c.c.d_numerator, c.c.d_denominator).where(
        c.c.period == period, since, c.c.instant < before
    )
    added = union_all(earlier, between).subquery()
    by = _group(added)
    n, d = func.sum(added.c.numerator), func.sum(added.c.denominator)
    summed = select(literal(period), literal(before), *by, n, d).group_by(*by).having((n != 0) | (d != 0))
    columns = ("period", "before", "city", "indicator_id", "team_id", "institution_id", "area_code", "key_populations",
               "numerator", "denominator")  # fmt: skip
    conn.execute(insert(t).from_select(columns, summed))


def lock_totals(conn: Connection, periods: Collection[str]) -> None:
    """Before writing changes of these periods: no totals are kept of them until the commit."""
    conn.execute(
        text(
            "SELECT count(pg_advisory_xact_lock_shared(hashtext('case_totals:' || p)))"
            " FROM unnest(CAST(:ps AS text[])) AS p"
        ),
        {"ps": sorted(periods)},
    )


def _group(t: Any) -> tuple[Any, ...]:
    return (t.c.city, t.c.indicator_id, t.c.team_id, t.c.institution_id, t.c.area_code, t.c.key_populations)


def _inside(t: Table, area: str) -> tuple[ColumnElement[bool], ...]:
    """In the area; for an area inside a city, only in the city's partition."""
    return (t.c.area_code.startswith(area), *((t.c.city == area[:4],) if len(area) >= 4 else ()))


def _tags(joined: str) -> tuple[str, ...]:
    return tuple(joined.split(",")) if joined else ()


def residents(conn: Connection) -> list[str]:
    """Everyone a fact is of."""
    return sorted(conn.execute(union(*(select(t.c.resident_ref) for t in OF_A_RESIDENT))).scalars())


def residents_in(conn: Connection, stratum: Stratum, after: str, limit: int) -> list[str]:
    """The next residents after `after` (by ref) with a fact of the stratum's team or
    institution, or in its area, or living there: everyone with a case in the stratum (a
    case is of a team or area one of its resident's facts names), and maybe some with none."""
    pages = []
    for t in OF_A_RESIDENT:
        query = select(t.c.resident_ref).where(_of(t, stratum), t.c.resident_ref > after)
        pages.append(query.distinct().order_by(t.c.resident_ref).limit(limit).subquery().select())
    found = union(*pages).subquery()
    return list(conn.execute(select(found.c.resident_ref).order_by(found.c.resident_ref).limit(limit)).scalars())


def _of(t: Table, stratum: Stratum) -> ColumnElement[bool]:
    match stratum.level:
        case "team":
            return t.c.team_id == stratum.id
        case "institution":
            return t.c.institution_id == stratum.id
    prefix = area_prefix(stratum.id)
    if t is CONTRACT_STARTS:
        return or_(t.c.area_code.startswith(prefix), t.c.resident_area_code.startswith(prefix))
    return t.c.area_code.startswith(prefix)


def cases_at(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: Period, as_of: datetime, zone: tzinfo, refs: Collection[str]
) -> dict[str, list[Case]]:
    """Per indicator, these residents' cases at the as-of: each case is of one resident, so
    theirs are what `appraise` finds of them over everyone's facts."""
    window = Window(period, as_of, zone)
    found: dict[str, list[Case]] = defaultdict(list)
    for history in histories(conn, refs).values():
        seen = Seen(history.as_of(as_of), window)
        for i in version.indicators:
            found[i.id] += METHODS[i.method].compute(seen, i.parameters)
    return {i: cases for i, cases in found.items() if cases}
