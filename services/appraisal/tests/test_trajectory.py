"""Each resident's segments, summed, are the appraisal: at every as-of, the cases holding are
the cases `appraise` finds over every fact known by then, and the changes by then add up to
its figures; and taking facts in one at a time, as they become known, gives the same segments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.domain.appraisal import appraise
from appraisal.domain.cases import Case
from appraisal.domain.deltas import Delta, deltas
from appraisal.domain.figures import totals
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum, Subjects
from appraisal.domain.trajectory import segments
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from services.appraisal.tests.resident_histories import BEGINNING, PERIODS, Rows, as_of_times, merged, resident

VERSION = CATALOGUE.for_period(Period.parse("2026"))
K = TypeVar("K", bound=Hashable)
Drawn = tuple[Period, list[Rows], list[datetime]]
Figures = dict[tuple[str, Stratum], tuple[int, int]]
TICK = timedelta(microseconds=1)


@st.composite
def appraisals(draw: st.DrawFn) -> Drawn:
    period = Period.parse(draw(st.sampled_from(PERIODS)))
    residents = [draw(resident(f"r{k}")) for k in range(draw(st.integers(1, 3)))]
    return period, residents, draw(as_of_times(period, merged(residents).known_at))


@given(appraisals())
@settings(max_examples=150, deadline=None, derandomize=True)
def test_the_segments_holding_at_an_as_of_are_the_appraisal_then(
    case: Drawn,
) -> None:
    period, residents, moments = case
    trajectories = [segments(VERSION, period, ZONE, r.history(), BEGINNING) for r in residents]
    changes = [d for t in trajectories for d in deltas(VERSION, (), t, BEGINNING)]
    for as_of in moments:
        oracle = appraise(VERSION, merged(residents).history().as_of(as_of), Window(period, as_of, ZONE))
        holding = Counter((s.indicator_id, s.case) for t in trajectories for s in t if s.holds_at(as_of))
        assert holding == Counter((i, c) for i, cases in oracle.cases.items() for c in cases), as_of
        assert _added_up(changes, as_of) == _figures(oracle.cases), as_of


@given(appraisals())
@settings(max_examples=40, deadline=None, derandomize=True)
def test_facts_taken_in_as_they_become_known_give_the_changes_of_a_rebuild(
    case: Drawn,
) -> None:
    period, residents, _ = case
    for r in residents:
        rebuilt = segments(VERSION, period, ZONE, r.history(), BEGINNING)
        changes: list[Delta] = []
        for known_at in sorted(set(r.known_at)):
            old = segments(VERSION, period, ZONE, r.history(known_by=known_at - TICK), known_at)
            new = segments(VERSION, period, ZONE, r.history(known_by=known_at), known_at)
            changes += deltas(VERSION, old, new, known_at)
        assert _summed(changes) == _summed(deltas(VERSION, (), rebuilt, BEGINNING))


def _figures(cases: Mapping[str, tuple[Case, ...]]) -> Figures:
    """What `figures.totals` adds up, without the known subjects' empty strata."""
    found: Figures = {}
    for indicator in VERSION.indicators:
        for stratum, sums in totals(indicator, list(cases[indicator.id]), Subjects()).items():
            if sums != (0, 0):
                found[(indicator.id, stratum)] = sums
    return found


def _added_up(changes: list[Delta], as_of: datetime) -> Figures:
    """Every change by the as-of, per figure."""
    return _net(((d.indicator_id, d.stratum), d.numerator, d.denominator) for d in changes if d.instant <= as_of)


def _summed(changes: list[Delta]) -> dict[tuple[str, Stratum, datetime], tuple[int, int]]:
    """The changes per figure and instant."""
    return _net(((d.indicator_id, d.stratum, d.instant), d.numerator, d.denominator) for d in changes)


def _net(changes: Iterable[tuple[K, int, int]]) -> dict[K, tuple[int, int]]:
    found: dict[K, tuple[int, int]] = {}
    for key, n, d in changes:
        was = found.get(key, (0, 0))
        found[key] = (was[0] + n, was[1] + d)
    return {key: sums for key, sums in found.items() if sums != (0, 0)}
