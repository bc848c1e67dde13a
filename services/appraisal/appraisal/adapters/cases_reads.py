"""Reading the projected appraisal at an as-of: each stratum's figure is the sum of its
changes by then, and the drill-down is the residents' cases holding then."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from appraisal.adapters.case_rows import segment_of, segments_query
from appraisal.adapters.cases_tables import RESIDENT_CASES, STRATUM_DELTAS
from appraisal.domain.cases import Case
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


def cases_at(conn: Connection, period: str, as_of: datetime) -> dict[str, list[Case]]:
    """Per indicator, every resident's case holding at the as-of."""
    t = RESIDENT_CASES
    query = segments_query().where(
        t.c.period == period, t.c.valid_from <= as_of, or_(t.c.valid_to.is_(None), t.c.valid_to > as_of)
    )
    found: dict[str, list[Case]] = defaultdict(list)
    for r in conn.execute(query):
        s = segment_of(r)
        found[s.indicator_id].append(s.case)
    return dict(found)
