"""Scores of teams and institutions: weighted QOF points, a grade, ranks in county and city.

score = 100 x Σ points ÷ Σ weights of the scored indicators that apply to the subject
(an indicator whose denominator is empty for it does not apply: it neither helps nor
hurts); the same formula per dimension gives the dimension scores. Ties share a rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from appraisal.domain.catalogue import DIMENSIONS, POINTS, SCORED_LEVELS, CatalogueVersion, Indicator
from appraisal.domain.figures import Figure
from appraisal.domain.strata import Stratum, Subjects


@dataclass(frozen=True)
class Score:
    subject: Stratum
    institution_id: str
    area_code: str
    score: Decimal
    grade: str
    rank_in_county: int
    rank_in_city: int
    dimensions: tuple[tuple[str, Decimal | None], ...]


def score(version: CatalogueVersion, figures: list[Figure], subjects: Subjects) -> list[Score]:
    scored = {i.id: i for i in version.indicators if i.scored}
    earned: dict[Stratum, list[tuple[Indicator, Decimal]]] = defaultdict(list)
    for f in figures:
        if f.indicator_id in scored and f.points is not None and not f.stratum.key_population:
            earned[f.stratum].append((scored[f.indicator_id], f.points))
    unranked = [
        (s, _percent(earned[s]), tuple((d, _percent(earned[s], d)) for d in DIMENSIONS))
        for level in SCORED_LEVELS
        for s in subjects.at(level)
    ]
    county = _ranks(unranked, lambda s: (s.level, subjects.area_of(s)))
    city = _ranks(unranked, lambda s: (s.level, subjects.area_of(s)[:4]))
    return [
        Score(
            s,
            subjects.where(s).institution_id,
            subjects.area_of(s),
            total or Decimal(0).quantize(POINTS),
            version.grades.of(total or Decimal(0)),
            county[s],
            city[s],
            dimensions,
        )
        for s, total, dimensions in unranked
    ]


def _percent(earned: list[tuple[Indicator, Decimal]], dimension: str | None = None) -> Decimal | None:
    mine = [(i, p) for i, p in earned if dimension is None or i.dimension == dimension]
    possible = sum((i.weight for i, _ in mine), Decimal(0))
    if not possible:
        return None
    return (100 * sum((p for _, p in mine), Decimal(0)) / possible).quantize(POINTS, ROUND_HALF_UP)


Unranked = Sequence[tuple[Stratum, Decimal | None, tuple[tuple[str, Decimal | None], ...]]]


def _ranks(unranked: Unranked, group: Callable[[Stratum], tuple[str, str]]) -> dict[Stratum, int]:
    """Competition ranking (1, 2, 2, 4) by score, highest first, within each group."""
    members: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for s, total, _ in unranked:
        members[group(s)].append(total or Decimal(0))
    return {s: 1 + sum(other > (total or 0) for other in members[group(s)]) for s, total, _ in unranked}
