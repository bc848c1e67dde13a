"""A resident's segment as a row of `resident_cases`, and back: the one mapping between them."""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json
from sqlalchemy import Select, String, cast, select

from appraisal.adapters.cases_tables import RESIDENT_CASES
from appraisal.adapters.fact_reads import aware
from appraisal.domain.cases import Case
from appraisal.domain.facts import Where
from appraisal.domain.trajectory import Segment


def row_of(period: str, s: Segment) -> dict[str, Any]:
    c = s.case
    return {
        "period": period,
        "indicator_id": s.indicator_id,
        "resident_ref": c.resident_ref,
        "about": c.about,
        "team_id": c.where.team_id,
        "institution_id": c.where.institution_id,
        "area_code": c.where.area_code,
        "key_populations": list(c.key_populations),
        "numerator": c.numerator,
        "denominator": c.denominator,
        "excluded": c.excluded,
        "why": c.why,
        "valid_from": s.valid_from,
        "valid_to": s.valid_to,
    }


def segments_query() -> Select[Any]:
    """The id, period and what `segment_of` reads, in that order (JSON as text, parsed here)."""
    t = RESIDENT_CASES
    return select(t.c.id, t.c.period, t.c.indicator_id, t.c.team_id, t.c.institution_id, t.c.area_code,
                  t.c.resident_ref, t.c.about, t.c.numerator, t.c.denominator, t.c.why,
                  cast(t.c.key_populations, String), t.c.excluded, t.c.valid_from, t.c.valid_to)  # fmt: skip


def segment_of(r: Any) -> Segment:
    case = Case(Where(r[3], r[4], r[5]), r[6], r[7], r[8], r[9], r[10], tuple(from_json(r[11])), r[12])
    return Segment(r[2], case, aware(r[13]), None if r[14] is None else aware(r[14]))
