"""Reading the projected appraisal at an as-of: each stratum's figure is the sum of its
changes by then (the totals kept by that day's midnight, and that day's changes); the
drill-down asks the methods about the residents' facts known then."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, time, tzinfo
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select, text, true, union, union_all

from appraisal.adapters.cases_tables import CASE_CHANGES, CASE_TOTALS
from appraisal.adapters.facts_tables import CARE, CONTRACT_STARTS, RATINGS, REFERRAL_STEPS, VISITS
from appraisal.adapters.resident_reads import histories
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.facts import Where
from appraisal.domain.figures import added_up
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum

Totals = dict[str, dict[Stratum, tuple[int, int]]]
"""Per indicator, each stratum's numerator and denominator (as `figures.totals` adds them up)."""


def totals_at(  # noqa: PLR0913
    conn: Connection, version: CatalogueVersion, period: str, as_of: datetime, zone: tzinfo, area: str = ""
) -> Totals:
    """Each stratum in the area (a team or institution by its area) with something counted by
    the as-of: the totals kept by the as-of's local midnight (kept now if no read asked for
    them yet) and that day's changes by the as-of. Call it in a transaction: it may write."""
    midnight = datetime.combine(as_of.astimezone(zone).date(), time(), zone)
    kept(conn, period, midnight)
    c, t = CASE_CHANGES, CASE_TOTALS
    query = union_all(
        select(*_group(t), t.c.numerator, t.c.denominator).where(
            t.c.period == period, t.c.before == midnight, t.c.area_code.startswith(area)
        ),
        select(*_group(c), c.c.d_numerator, c.c.d_denominator).where(
            c.c.period == period, c.c.instant >= midnight, c.c.instant <= as_of, c.c.area_code.startswith(area)
        ),
    ).subquery()
    by = _group(query)
    groups: dict[str, list[tuple[Where, tuple[str, ...], int, int]]] = defaultdict(list)
    summed = select(*by, func.sum(query.c.numerator), func.sum(query.c.denominator)).group_by(*by)
    for r in conn.execute(summed):
        groups[r[0]].append((Where(r[1], r[2], r[3]), _tags(r[4]), int(r[5]), int(r[6])))
    found: Totals = {}
    for indicator_id, counted in groups.items():
        added = added_up(version.indicator(indicator_id), counted)
        inside = {s: sums for s, sums in added.items() if sums != (0, 0) and _inside(s, area)}
        if inside:
            found[indicator_id] = inside
    return found


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
    columns = ("period", "before", "indicator_id", "team_id", "institution_id", "area_code", "key_populations",
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
    return (t.c.indicator_id, t.c.team_id, t.c.institution_id, t.c.area_code, t.c.key_populations)


def _tags(joined: str) -> tuple[str, ...]:
    return tuple(joined.split(",")) if joined else ()


def _inside(stratum: Stratum, area: str) -> bool:
    """A team or institution by its area (as its cases name it), an area by its code."""
    return stratum.id.startswith(area) if stratum.level not in ("team", "institution") else True


def residents(conn: Connection) -> list[str]:
    """Everyone a fact is of."""
    tables = (CONTRACT_STARTS, VISITS, RATINGS, REFERRAL_STEPS, CARE)
    return sorted(conn.execute(union(*(select(t.c.resident_ref) for t in tables))).scalars())


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
