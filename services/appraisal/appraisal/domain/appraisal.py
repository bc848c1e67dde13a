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
from appraisal.domain.figures import Figure, added_up, figure, grouped, measure
from appraisal.domain.indicators import METHODS
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Window
from appraisal.domain.results import IndicatorResult, SubjectResult
from appraisal.domain.scoring import Score, publishable, rescore, score
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
    changed: Mapping[str, Collection[Stratum]] | None = None
    """Counted from an earlier read with the same teams, register and wheres: per indicator,
    the strata whose counts differ from it (an appraisal from it keeps the others' figures)."""


Figured = tuple[Sequence[Figure], Mapping[Stratum, int]]


@dataclass(frozen=True)
class Appraisal:
    catalogue: CatalogueVersion
    window: Window
    subjects: Subjects
    figures: tuple[Figure, ...]
    scores: tuple[Score, ...]
    cases: Mapping[str, tuple[Case, ...]] = field(default_factory=dict)
    """Computed from the facts (`appraise`): every case; from counts (`from_counts`): none."""
    figured: Mapping[str, Figured] = field(default_factory=dict, compare=False, repr=False)
    """Of every indicator (none of a series'): its figures, in order, and where each stratum's is."""

    def drill_down(self, indicator_id: str, stratum: Stratum) -> list[Case]:
        """The cases behind one figure: who is in the numerator and denominator, who was excluded, and why."""
        return in_stratum(self.catalogue.indicator(indicator_id), stratum, self.cases[indicator_id])


def appraise(catalogue: CatalogueVersion, facts: Facts, window: Window) -> Appraisal:
    """Pure: the same catalogue, facts and window give the same appraisal, every time. The
    reference the projection is tested against: its counts must give the same figures."""
    cases = cases_of(catalogue, facts, window)
    return replace(from_counts(catalogue, window, counts_of(catalogue, cases, facts)), cases=cases)


def cases_of(catalogue: CatalogueVersion, facts: Facts, window: Window) -> dict[str, tuple[Case, ...]]:
    """Every indicator's cases, the appraisal's without its figures and scores: the oracle of the
    tests that compare cases (two thirds of `appraise`'s time was the figures and scores)."""
    seen = Seen(facts, window)
    return {i.id: tuple(METHODS[i.method].compute(seen, i.parameters)) for i in catalogue.indicators}


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
    catalogue: CatalogueVersion,
    window: Window,
    counted: Counted,
    indicator_ids: Collection[str] | None = None,
    earlier: Appraisal | None = None,
) -> Appraisal:
    """The figures and scores the counts give; of some indicators only (a series): their
    figures, no scores. `earlier`: the appraisal of the counts these were counted from
    (`Counted.changed`), whose figures of the strata not changed are these counts' too."""
    if indicator_ids is not None:
        indicators = [catalogue.indicator(i) for i in sorted(set(indicator_ids))]
        subjects = known_subjects(counted.teams, counted.register, counted.wheres)
        measured = tuple(f for i in indicators for f in _measured(i, counted, subjects, window.period.year))
        return Appraisal(catalogue, window, subjects, measured, ())
    changed = counted.changed
    if earlier is None or changed is None or (earlier.catalogue, earlier.window.period) != (catalogue, window.period):
        earlier = changed = None
    subjects = known_subjects(counted.teams, counted.register, counted.wheres) if earlier is None else earlier.subjects
    figured = {
        i.id: _figured(i, counted, subjects, window.period.year)
        if earlier is None or changed is None
        else _refigured(i, counted, subjects, window.period.year, earlier.figured[i.id], changed.get(i.id, ()))
        for i in catalogue.indicators
    }
    figures = tuple(f for i in catalogue.indicators for f in figured[i.id][0])
    if earlier is None or changed is None:
        scores = tuple(score(catalogue, list(figures), subjects))
    else:
        rescored = {s for i, strata in changed.items() if catalogue.indicator(i).scored for s in strata if _scored(s)}
        scores = (
            tuple(rescore(catalogue, earlier.scores, lambda s: _of(figured, s), subjects, rescored))
            if rescored
            else earlier.scores
        )
    return Appraisal(catalogue, window, subjects, figures, scores, figured=figured)


def _measured(indicator: Indicator, counted: Counted, subjects: Subjects, year: int) -> list[Figure]:
    method, totals = METHODS[indicator.method], counted.totals.get(indicator.id, {})
    return measure(indicator, method, totals, subjects, counted.register, year)


def _figured(indicator: Indicator, counted: Counted, subjects: Subjects, year: int) -> Figured:
    figures = _measured(indicator, counted, subjects, year)
    return figures, {f.stratum: at for at, f in enumerate(figures)}


def _refigured(  # noqa: PLR0913
    indicator: Indicator,
    counted: Counted,
    subjects: Subjects,
    year: int,
    earlier: Figured,
    changed: Collection[Stratum],
) -> Figured:
    """The earlier figures with those of the changed strata figured again; all of them again
    when a stratum comes or goes (the order would change)."""
    if not changed:
        return earlier
    figures, at = earlier
    totals, known = counted.totals.get(indicator.id, {}), set(indicator.levels)
    if any(
        s not in at or (s not in totals and (s.key_population or s.level not in known or s not in subjects.wheres))
        for s in changed
    ):
        return _figured(indicator, counted, subjects, year)
    method, again = METHODS[indicator.method], list(figures)
    for s in changed:
        again[at[s]] = figure(indicator, method, s, totals.get(s, (0, 0)), subjects, counted.register, year)
    return again, at


def _scored(s: Stratum) -> bool:
    return s.level in SCORED_LEVELS and not s.key_population


def _of(figured: Mapping[str, Figured], subject: Stratum) -> list[Figure]:
    """A subject's figures, of every indicator."""
    return [figures[at[subject]] for figures, at in figured.values() if subject in at]


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
