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
from decimal import Decimal

from appraisal.domain.catalogue import DIMENSIONS, POINTS, SCORED_LEVELS, CatalogueVersion
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
    scored = _Scored(version)
    unranked = [scored.unranked(s, of.get(s, [])) for level in SCORED_LEVELS for s in subjects.at(level)]
    return _ranked(version, unranked, subjects)


def rescore(
    version: CatalogueVersion, earlier: Sequence[Score], figures: Callable[[Stratum], list[Figure]], subjects: Subjects,
    changed: Collection[Stratum],
) -> list[Score]:  # fmt: skip
    """The earlier scores of the same subjects with those of the `changed` scored again (from
    their `figures`), and every rank again."""
    scored = _Scored(version)
    unranked = [
        scored.unranked(s.subject, figures(s.subject))
        if s.subject in changed
        else (s.subject, _hundredths(s.score), tuple((d, _hundredths(v)) for d, v in s.dimensions))
        for s in earlier
    ]
    return _ranked(version, unranked, subjects)


class _Scored:
    """A version's scored indicators, their weights and the points earned as whole numbers of a
    unit small enough to hold them exactly (a hundredth, or finer if a weight is): a city's
    subjects are thousands, each scored five ways, and integers add and divide without
    Decimal's objects. A score is the same number as Decimal's (`_percent`)."""

    def __init__(self, version: CatalogueVersion) -> None:
        scored = [i for i in version.indicators if i.scored]
        places = max([2, *(-_exponent(i.weight) for i in scored)])
        self._places = places
        self._of = {i.id: (i, i.dimension, self.whole(i.weight)) for i in scored}
        self._points: dict[Decimal, int] = {}

    def whole(self, amount: Decimal) -> int:
        return int(amount.scaleb(self._places))

    def unranked(self, s: Stratum, figures: list[Figure]) -> Unranked1:
        """A subject's score and dimension scores from its figures of the scored indicators; none
        when nothing of it is recorded (its capacity is not a record of its work)."""
        possible, got, recorded, points = (
            dict.fromkeys(DIMENSIONS, 0),
            dict.fromkeys(DIMENSIONS, 0),
            False,
            self._points,
        )
        for f in figures:
            if (found := self._of.get(f.indicator_id)) is None or f.points is None:
                continue
            indicator, dimension, weight = found
            recorded = recorded or bool(f.numerator or (f.denominator and indicator.method not in OF_CAPACITY))
            if (earned := points.get(f.points)) is None:
                earned = points[f.points] = self.whole(f.points)
            possible[dimension] += weight
            got[dimension] += earned
        if not recorded:
            return s, None, tuple((d, None) for d in DIMENSIONS)
        whole = _percent(sum(possible.values()), sum(got.values()))
        return s, whole, tuple((d, _percent(possible[d], got[d])) for d in DIMENSIONS)


def _ranked(version: CatalogueVersion, unranked: Unranked, subjects: Subjects) -> list[Score]:
    county = _ranks(unranked, lambda s: (s.level, subjects.area_of(s)))
    city = _ranks(unranked, lambda s: (s.level, subjects.area_of(s)[:4]))
    grades: dict[int, str] = {}  # of each score: a city's are far fewer than its subjects
    scores: list[Score] = []
    for s, total, dimensions in unranked:
        decimal = _decimal(total)
        if total is not None and decimal is not None and total not in grades:
            grades[total] = version.grades.of(decimal)
        scores.append(
            Score(
                s,
                subjects.where(s).institution_id,
                subjects.area_of(s),
                decimal,
                None if total is None else grades.get(total),
                county[s],
                city[s],
                tuple((d, _decimal(v)) for d, v in dimensions),
            )
        )
    return scores


def publishable(version: CatalogueVersion, s: Score) -> tuple[Decimal, str]:
    """The score and grade a published result carries: a subject with no data at publication
    earned no points (0, and its grade), as it always has; the live ranking says "no data"."""
    total = Decimal(0).quantize(POINTS) if s.score is None else s.score
    return total, s.grade or version.grades.of(total)


def _percent(possible: int, got: int) -> int | None:
    """100 × got ÷ possible in hundredths, rounded half up: Decimal's `(100 * got /
    possible).quantize(POINTS, ROUND_HALF_UP)` of the same amounts (its 28 digits cannot round
    a quotient of such integers onto a half it is not), never negative."""
    return (20_000 * got + possible) // (2 * possible) if possible else None


def _exponent(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


_DECIMALS: dict[int, Decimal] = {}
"""Each score in hundredths as the Decimal it is written as (at most 10,001 of them)."""


def _decimal(hundredths: int | None) -> Decimal | None:
    if hundredths is None:
        return None
    if (found := _DECIMALS.get(hundredths)) is None:
        found = _DECIMALS[hundredths] = Decimal(hundredths).scaleb(-2)
    return found


def _hundredths(score: Decimal | None) -> int | None:
    return None if score is None else int(score.scaleb(2))


Dimensions = tuple[tuple[str, Decimal | None], ...]
Unranked1 = tuple[Stratum, int | None, tuple[tuple[str, int | None], ...]]
"""A subject, its score and its dimensions' in hundredths."""
Unranked = Sequence[Unranked1]


def _ranks(unranked: Unranked, group: Callable[[Stratum], tuple[str, str]]) -> dict[Stratum, int]:
    """Ranks by score within each group: competition ranking (1, 2, 2, 4), highest first; no
    score: after every score, tied. Each rank found by bisecting the group's sorted scores."""
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for s, total, _ in unranked:
        if total is not None:
            members[group(s)].append(total)
    for scores in members.values():
        scores.sort()
    return {s: 1 + _above(total, members[group(s)]) for s, total, _ in unranked}


def _above(total: int | None, ascending: list[int]) -> int:
    return len(ascending) - (0 if total is None else bisect_right(ascending, total))
