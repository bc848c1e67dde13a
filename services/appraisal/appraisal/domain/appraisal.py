"""An appraisal: every indicator of a catalogue version computed over the facts seen
through a window, with the cases behind each figure and the scores they give."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import SCORED_LEVELS, CatalogueVersion, Indicator
from appraisal.domain.errors import UnknownStratum
from appraisal.domain.facts import Facts, PopulationFigure, TeamFact, Where
from appraisal.domain.figures import Figure, added_up, grouped, measure
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Window
from appraisal.domain.results import IndicatorResult, SubjectResult
from appraisal.domain.scoring import Score, publishable, score
from appraisal.domain.strata import Stratum, Subjects, known_subjects, stratum_id

_WHERE_THEY_LIVE = ("population", "key_population")  # these cases' area is the resident's, not the team's


@dataclass(frozen=True)
class Counted:
    """What an appraisal is computed from once its cases are added up: per indicator, each
    stratum's numerator and denominator (a stratum where nothing counts may be left out); the
    teams, institutions and areas of the cases counted by team; the teams and register known."""

    totals: Mapping[str, Mapping[Stratum, tuple[int, int]]]
    wheres: Collection[Where]
    teams: tuple[TeamFact, ...]
    register: tuple[PopulationFigure, ...]


@dataclass(frozen=True)
class Appraisal:
    catalogue: CatalogueVersion
    window: Window
    subjects: Subjects
    figures: tuple[Figure, ...]
    scores: tuple[Score, ...]
    cases: Mapping[str, tuple[Case, ...]] = field(default_factory=dict)
    """Computed from the facts (`appraise`): every case; from counts (`from_counts`): none."""

    def drill_down(self, indicator_id: str, stratum: Stratum) -> list[Case]:
        """The cases behind one figure: who is in the numerator and denominator, who was excluded, and why."""
        return in_stratum(self.catalogue.indicator(indicator_id), stratum, self.cases[indicator_id])


def appraise(catalogue: CatalogueVersion, facts: Facts, window: Window) -> Appraisal:
    """Pure: the same catalogue, facts and window give the same appraisal, every time. The
    reference the projection is tested against: its counts must give the same figures."""
    seen = Seen(facts, window)
    cases = {i.id: tuple(METHODS[i.method].compute(seen, i.parameters)) for i in catalogue.indicators}
    return replace(from_counts(catalogue, window, counts_of(catalogue, cases, facts)), cases=cases)


def counts_of(catalogue: CatalogueVersion, cases: Mapping[str, Sequence[Case]], facts: Facts) -> Counted:
    """The cases added up as the projection adds them up (`figures.grouped`)."""
    groups = {i.id: grouped(cases.get(i.id, ())) for i in catalogue.indicators}
    totals = {i.id: added_up(i, groups[i.id]) for i in catalogue.indicators}
    wheres = {g[0] for i in catalogue.indicators if counted_by_team(i) for g in groups[i.id]}
    return Counted(totals, wheres, facts.teams, facts.register)


def counted_by_team(indicator: Indicator) -> bool:
    """Not counted where the resident lives: a case's area is its team's."""
    return METHODS[indicator.method].denominator not in _WHERE_THEY_LIVE


def from_counts(
    catalogue: CatalogueVersion, window: Window, counted: Counted, indicator_ids: Collection[str] | None = None
) -> Appraisal:
    """The figures and scores the counts give; of some indicators only (a series): their figures, no scores."""
    if indicator_ids is None:
        indicators: Sequence[Indicator] = catalogue.indicators
    else:
        indicators = [catalogue.indicator(i) for i in sorted(set(indicator_ids))]
    subjects = known_subjects(counted.teams, counted.register, counted.wheres)
    year, totals = window.period.year, counted.totals
    figures = [
        f
        for i in indicators
        for f in measure(i, METHODS[i.method], totals.get(i.id, {}), subjects, counted.register, year)
    ]
    scores = tuple(score(catalogue, figures, subjects)) if indicator_ids is None else ()
    return Appraisal(catalogue, window, subjects, tuple(figures), scores)


def in_stratum(indicator: Indicator, stratum: Stratum, cases: Iterable[Case]) -> list[Case]:
    """The cases of an indicator that fall in a stratum (those its figure adds up)."""
    if stratum.level not in indicator.levels or (stratum.key_population and not indicator.by_key_population):
        raise UnknownStratum(f"{indicator.id} is not reported by {stratum.level} or that key population")
    return [
        c
        for c in cases
        if stratum_id(stratum.level, c.where) == stratum.id
        and (not stratum.key_population or stratum.key_population in c.key_populations)
    ]


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
            *publishable(appraisal.catalogue, s),
            s.rank_in_county,
            s.rank_in_city,
            s.dimensions,
            tuple(figures[s.subject]),
        )
        for s in appraisal.scores
    ]
