"""Reading the projected appraisal at an as-of: each stratum's figure is the sum of its
changes by then; the drill-down asks the methods about the residents' facts known then."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, tzinfo

from sqlalchemy import Connection, func, select, union

from appraisal.adapters.cases_tables import STRATUM_DELTAS
from appraisal.adapters.facts_tables import CARE, CONTRACT_STARTS, RATINGS, REFERRAL_STEPS, VISITS
from appraisal.adapters.resident_reads import histories
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum

Totals = dict[str, dict[Stratum, tuple[int, int]]]
"""Per indicator, each stratum's numerator and denominator (as `figures.totals` adds them up)."""


def totals_at(conn: Connection, period: str, as_of: datetime, area_prefix: str = "") -> Totals:
    """Strata in the area (a team or institution by its area) with something counted by the as-of."""
    t = STRATUM_DELTAS
    strata = (t.c.indicator_id, t.c.level, t.c.stratum_id, t.c.key_population)
    query = (
        select(*strata, func.sum(t.c.d_numerator), func.sum(t.c.d_denominator))
        .where(t.c.period == period, t.c.instant <= as_of, t.c.area_code.startswith(area_prefix))
        .group_by(*strata)
    )
    found: Totals = defaultdict(dict)
    for indicator_id, level, stratum_id, key_population, n, d in conn.execute(query):
        if n or d:
            found[indicator_id][Stratum(level, stratum_id, key_population)] = (int(n), int(d))
    return dict(found)


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
