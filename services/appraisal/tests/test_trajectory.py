"""Each resident's segments, summed, are the appraisal: at every as-of, the cases holding are
the cases `appraise` finds over every fact known by then, and the changes by then add up to
its figures; and taking facts in one at a time, as they become known, gives the same segments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.domain.appraisal import cases_of
from appraisal.domain.periods import Period, Window
from appraisal.domain.steps import Net
from appraisal.domain.strata import Stratum
from appraisal.domain.trajectory import segments
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from services.appraisal.tests.changes_added import add, added_by, figures_of, per_indicator
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
@settings(max_examples=150, deadline=None)
def test_the_segments_holding_at_an_as_of_are_the_appraisal_then(
    case: Drawn,
) -> None:
    period, residents, moments = case
    trajectories = [segments(VERSION, period, ZONE, r.history(), BEGINNING) for r in residents]
    changes: dict[str, Net] = {}
    for t in trajectories:
        add(changes, per_indicator(t, BEGINNING))
    for as_of in moments:
        oracle = cases_of(VERSION, merged(residents).history().as_of(as_of), Window(period, as_of, ZONE))
        holding = Counter((s.indicator_id, s.case) for t in trajectories for s in t if s.holds_at(as_of))
        assert holding == Counter((i, c) for i, cases in oracle.items() for c in cases), as_of
        assert added_by(VERSION, changes, as_of) == figures_of(VERSION, oracle), as_of


@given(appraisals())
@settings(max_examples=40, deadline=None)
def test_facts_taken_in_as_they_become_known_give_the_changes_of_a_rebuild(
    case: Drawn,
) -> None:
    period, residents, _ = case
    for r in residents:
        rebuilt = segments(VERSION, period, ZONE, r.history(), BEGINNING)
        changes: dict[str, Net] = {}
        for known_at in sorted(set(r.known_at)):
            old = segments(VERSION, period, ZONE, r.history(known_by=known_at - TICK), known_at)
            new = segments(VERSION, period, ZONE, r.history(known_by=known_at), known_at)
            add(changes, per_indicator(old, known_at), -1)
            add(changes, per_indicator(new, known_at))
        assert {i: c for i, c in changes.items() if c} == {
            i: c for i, c in per_indicator(rebuilt, BEGINNING).items() if c
        }
