"""Scores of teams and institutions: weighted QOF points, a grade, ranks in county and city.

score = 100 x Σ points ÷ Σ weights of the scored indicators that apply to the subject
(an indicator whose denominator is empty for it does not apply: it neither helps nor
hurts); the same formula per dimension gives the dimension scores. Ties share a rank.

A subject of which nothing is recorded yet (a new team: no resident under contract, no
service, rating or referral) has no score: no data, not 0, which would read as a team that
failed at everything. Its workload (0 residents of its capacity) is the one figure it has,
and capacity is the team's registration, not a record of its work. It ranks after the
subjects that have a score (its published result is another matter: `publishable`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from appraisal.domain.catalogue import DIMENSIONS, POINTS, SCORED_LEVELS, CatalogueVersion, Indicator
from appraisal.domain.figures import Figure
from appraisal.domain.strata import Stratum, Subjects

# Methods whose denominator is the subject's capacity (its registration), not something it did.
OF_CAPACITY = frozenset({"workload"})


@dataclass(frozen=True)
class Score:
    subject: Stratum
    institution_id: str
    area_code: str
    score: Decimal | None  # None: no data
    grade: str | None
    rank_in_county: int
    rank_in_city: int
    dimensions: tuple[tuple[str, Decimal | None], ...]


def score(version: CatalogueVersion, figures: list[Figure], subjects: Subjects) -> list[Score]:
    of: dict[Stratum, list[Figure]] = defaultdict(list)
    for f in figures:
        if not f.stratum.key_population:
            of[f.stratum].append(f)
    scored = {i.id: i for i in version.indicators if i.scored}
    unranked = [_unranked(scored, s, of.get(s, [])) for level in SCORED_LEVELS for s in subjects.at(level)]
    return _ranked(version, unranked, subjects)


def rescore(
    version: CatalogueVersion, earlier: Sequence[Score], figures: Callable[[Stratum], list[Figure]], subjects: Subjects,
    changed: Collection[Stratum],
) -> list[Score]:  # fmt: skip
    """The earlier scores of the same subjects with those of the `changed` scored again (from
    their `figures`), and every rank again."""
    scored = {i.id: i for i in version.indicators if i.scored}
    unranked = [
        _unranked(scored, s.subject, figures(s.subject)) if s.subject in changed else (s.subject, s.score, s.dimensions)
        for s in earlier
    ]
    return _ranked(version, unranked, subjects)


def _unranked(scored: dict[str, Indicator], s: Stratum, figures: list[Figure]) -> Unranked1:
    """A subject's score and dimension scores from its figures of the scored indicators; none
    when nothing of it is recorded (its capacity is not a record of its work)."""
    earned = [
        (scored[f.indicator_id], f.points, f) for f in figures if f.indicator_id in scored and f.points is not None
    ]
    if not any(f.numerator or (f.denominator and i.method not in OF_CAPACITY) for i, _, f in earned):
        return s, None, tuple((d, None) for d in DIMENSIONS)
    return s, *_percents([(i, p) for i, p, _ in earned])


def _ranked(version: CatalogueVersion, unranked: Unranked, subjects: Subjects) -> list[Score]:
    county = _ranks(unranked, lambda s: (s.level, subjects.area_of(s)))
    city = _ranks(unranked, lambda s: (s.level, subjects.area_of(s)[:4]))
    return [
        Score(
            s,
            subjects.where(s).institution_id,
            subjects.area_of(s),
            total,
            None if total is None else version.grades.of(total),
            county[s],
            city[s],
            dimensions,
        )
        for s, total, dimensions in unranked
    ]


def publishable(version: CatalogueVersion, s: Score) -> tuple[Decimal, str]:
    """The score and grade a published result carries: a subject with no data at publication
    earned no points (0, and its grade), as it always has; the live ranking says "no data"."""
    total = Decimal(0).quantize(POINTS) if s.score is None else s.score
    return total, s.grade or version.grades.of(total)


def _percents(earned: list[tuple[Indicator, Decimal]]) -> tuple[Decimal | None, Dimensions]:
    """The score and each dimension's, from one pass over the points earned (a city's subjects
    are thousands, each scored five ways)."""
    possible, got = dict.fromkeys(DIMENSIONS, _ZERO), dict.fromkeys(DIMENSIONS, _ZERO)
    for indicator, points in earned:
        possible[indicator.dimension] += indicator.weight
        got[indicator.dimension] += points
    whole = _percent(sum(possible.values(), _ZERO), sum(got.values(), _ZERO))
    return whole, tuple((d, _percent(possible[d], got[d])) for d in DIMENSIONS)


def _percent(possible: Decimal, got: Decimal) -> Decimal | None:
    return (100 * got / possible).quantize(POINTS, ROUND_HALF_UP) if possible else None


_ZERO = Decimal(0)


Dimensions = tuple[tuple[str, Decimal | None], ...]
Unranked1 = tuple[Stratum, Decimal | None, Dimensions]
Unranked = Sequence[Unranked1]


def _ranks(unranked: Unranked, group: Callable[[Stratum], tuple[str, str]]) -> dict[Stratum, int]:
    """Ranks by score within each group: competition ranking (1, 2, 2, 4), highest first; no
    score: after every score, tied. Each rank found by bisecting the group's sorted scores."""
    members: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for s, total, _ in unranked:
        if total is not None:
            members[group(s)].append(total)
    for scores in members.values():
        scores.sort()
    return {s: 1 + _above(total, members[group(s)]) for s, total, _ in unranked}


def _above(total: Decimal | None, ascending: list[Decimal]) -> int:
    return len(ascending) - (0 if total is None else bisect_right(ascending, total))
