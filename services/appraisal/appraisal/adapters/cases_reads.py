"""Reading the projected appraisal at an as-of: each stratum's figure is the sum of its
changes by then; the drill-down asks the methods about the residents' facts known then."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, tzinfo

from sqlalchemy import Connection, func, select, union

from appraisal.adapters.cases_tables import CASE_CHANGES
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


def totals_at(conn: Connection, version: CatalogueVersion, period: str, as_of: datetime, area: str = "") -> Totals:
    """Each stratum in the area (a team or institution by its area) with something counted by the as-of."""
    t = CASE_CHANGES
    by = (t.c.indicator_id, t.c.team_id, t.c.institution_id, t.c.area_code, t.c.key_populations)
    query = (
        select(*by, func.sum(t.c.d_numerator), func.sum(t.c.d_denominator))
        .where(t.c.period == period, t.c.instant <= as_of, t.c.area_code.startswith(area))
        .group_by(*by)
    )
    groups: dict[str, list[tuple[Where, tuple[str, ...], int, int]]] = defaultdict(list)
    for indicator_id, team, institution, area_code, tags, n, d in conn.execute(query):
        groups[indicator_id].append((Where(team, institution, area_code), _tags(tags), int(n), int(d)))
    found: Totals = {}
    for indicator_id, counted in groups.items():
        added = added_up(version.indicator(indicator_id), counted)
        inside = {s: sums for s, sums in added.items() if sums != (0, 0) and _inside(s, area)}
        if inside:
            found[indicator_id] = inside
    return found


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
