"""Reading the projected appraisal at an as-of: each stratum is the sum of its changes by then
(`totals`: as kept by that day's midnight, and that day's changes); the drill-down asks the
methods about the facts known then of the residents of a stratum, a page at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, tzinfo

from sqlalchemy import ColumnElement, Connection, Table, or_, select, union

from appraisal.adapters.projections.facts_tables import CONTRACT_STARTS, OF_A_RESIDENT
from appraisal.adapters.projections.resident_reads import histories
from appraisal.adapters.projections.totals import strata_at
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
    """The cases in the area (a city or wider; by the team's area, or the resident's where
    counted there) by the as-of, in the strata each indicator is reported by; `tagged`: the key
    populations' strata too. And where the cases counted by team are."""
    totals: Totals = defaultdict(dict)
    wheres: set[Where] = set()
    reported = {i.id: (i.levels, i.by_key_population, counted_by_team(i)) for i in version.indicators}
    for (indicator_id, level, code, kp, institution_id, area_code), (n, d) in strata_at(
        conn, period, as_of, zone, area, tagged
    ).items():
        if not (n or d) or indicator_id not in reported:
            continue
        levels, by_key_population, by_team = reported[indicator_id]
        if by_team and level == "team" and not kp:
            wheres.add(Where(code, institution_id, area_code))
        if level in levels and (not kp or by_key_population):
            was = totals[indicator_id].get(stratum := Stratum(level, code, kp), (0, 0))
            totals[indicator_id][stratum] = (was[0] + n, was[1] + d)
    return dict(totals), wheres


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
