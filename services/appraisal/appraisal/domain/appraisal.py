"""An appraisal: every indicator of a catalogue version computed over the facts seen
through a window, with the cases behind each figure and the scores they give."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import SCORED_LEVELS, CatalogueVersion, Indicator
from appraisal.domain.errors import UnknownStratum
from appraisal.domain.facts import Facts
from appraisal.domain.figures import Figure, measure
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Window
from appraisal.domain.results import IndicatorResult, SubjectResult
from appraisal.domain.scoring import Score, score
from appraisal.domain.strata import Stratum, Subjects, known_subjects, stratum_id

_WHERE_THEY_LIVE = ("population", "key_population")  # these cases' area is the resident's, not the team's


@dataclass(frozen=True)
class Appraisal:
    catalogue: CatalogueVersion
    window: Window
    subjects: Subjects
    figures: tuple[Figure, ...]
    scores: tuple[Score, ...]
    cases: Mapping[str, tuple[Case, ...]]
    steady_until: datetime | None = None
    """A later as-of over the same facts gives the same figures until then (None: for ever)."""

    def drill_down(self, indicator_id: str, stratum: Stratum) -> list[Case]:
        """The cases behind one figure: who is in the numerator and denominator, who was excluded, and why."""
        indicator = self.catalogue.indicator(indicator_id)
        if stratum.level not in indicator.levels or (stratum.key_population and not indicator.by_key_population):
            raise UnknownStratum(f"{indicator_id} is not reported by {stratum.level} or that key population")
        return [
            c
            for c in self.cases[indicator_id]
            if stratum_id(stratum.level, c.where) == stratum.id
            and (not stratum.key_population or stratum.key_population in c.key_populations)
        ]


def appraise(catalogue: CatalogueVersion, facts: Facts, window: Window) -> Appraisal:
    """Pure: the same catalogue, facts and window give the same appraisal, every time."""
    seen = Seen(facts, window)
    cases = {i.id: tuple(METHODS[i.method].compute(seen, i.parameters)) for i in catalogue.indicators}
    subjects = _subjects(catalogue.indicators, cases, facts)
    figures = [
        figure
        for i in catalogue.indicators
        for figure in measure(i, METHODS[i.method], list(cases[i.id]), subjects, facts.register, window.period.year)
    ]
    scores = tuple(score(catalogue, figures, subjects))
    return Appraisal(
        catalogue, window, subjects, tuple(figures), scores, cases, steady_until(catalogue.indicators, seen)
    )


def measured(catalogue: CatalogueVersion, facts: Facts, window: Window, indicator_ids: Collection[str]) -> Measured:
    """Only these indicators' figures, as `appraise` gives them, for a series asking a few at many
    moments; the strata known are those of the teams, the register and these indicators' own cases."""
    indicators = [catalogue.indicator(i) for i in sorted(set(indicator_ids))]
    seen = Seen(facts, window)
    cases = {i.id: tuple(METHODS[i.method].compute(seen, i.parameters)) for i in indicators}
    subjects = _subjects(indicators, cases, facts)
    figures = [
        f
        for i in indicators
        for f in measure(i, METHODS[i.method], list(cases[i.id]), subjects, facts.register, window.period.year)
    ]
    return Measured(subjects, tuple(figures), steady_until(indicators, seen))


@dataclass(frozen=True)
class Measured:
    subjects: Subjects
    figures: tuple[Figure, ...]
    steady_until: datetime | None


def _subjects(indicators: Collection[Indicator], cases: Mapping[str, tuple[Case, ...]], facts: Facts) -> Subjects:
    return known_subjects(
        facts,
        (c.where for i in indicators if METHODS[i.method].denominator not in _WHERE_THEY_LIVE for c in cases[i.id]),
    )


def steady_until(indicators: Collection[Indicator], seen: Seen) -> datetime | None:
    """Until when a later as-of over the same facts appraises the same: the next day while the
    period runs (the day the window sees moves on), or when a method's cases next turn."""
    turns = [seen.window.next_day]
    for i in indicators:
        method = METHODS[i.method]
        turns.append(method.turns(seen, i.parameters) if method.turns else None)
    return min((t for t in turns if t is not None), default=None)


def drafts(appraisal: Appraisal) -> list[SubjectResult]:
    """Each team's and institution's result, with the figures it was scored on (ids come when published)."""
    figures: dict[Stratum, list[IndicatorResult]] = defaultdict(list)
    for f in appraisal.figures:
        if f.stratum.level in SCORED_LEVELS and not f.stratum.key_population:
            figures[f.stratum].append(IndicatorResult(f.indicator_id, f.numerator, f.denominator, f.value, f.points))
    return [
        SubjectResult(
            "",
            s.subject.level,
            s.subject.id,
            s.institution_id,
            s.area_code,
            s.score,
            s.grade,
            s.rank_in_county,
            s.rank_in_city,
            s.dimensions,
            tuple(figures[s.subject]),
        )
        for s in appraisal.scores
    ]
