"""An appraisal: every indicator of a catalogue version computed over the facts seen
through a window, with the cases behind each figure and the scores they give."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import SCORED_LEVELS, CatalogueVersion
from appraisal.domain.errors import UnknownStratum
from appraisal.domain.facts import Facts
from appraisal.domain.figures import Figure, measure
from appraisal.domain.indicators import METHODS
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
    cases = {i.id: tuple(METHODS[i.method].compute(facts, window, i.parameters)) for i in catalogue.indicators}
    subjects = known_subjects(
        facts,
        (
            c.where
            for i in catalogue.indicators
            if METHODS[i.method].denominator not in _WHERE_THEY_LIVE
            for c in cases[i.id]
        ),
    )
    figures = [
        figure
        for i in catalogue.indicators
        for figure in measure(i, METHODS[i.method], list(cases[i.id]), subjects, facts.register, window.period.year)
    ]
    return Appraisal(catalogue, window, subjects, tuple(figures), tuple(score(catalogue, figures, subjects)), cases)


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
