"""A method's own steps are its cases from an as-of on, exactly: for random residents, periods
and moments, they add up to what asking the method at every turn adds up to (`sampled`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.domain.ahead import Ahead
from appraisal.domain.catalogue import CatalogueVersion, Indicator
from appraisal.domain.facts import Facts
from appraisal.domain.indicators import METHODS, Method
from appraisal.domain.periods import Period, periods_of
from appraisal.domain.steps import net, sampled
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE
from services.appraisal.tests.resident_histories import Rows, moment, resident

PERIODS = periods_of(2026)
EVER = datetime(2100, 1, 1, tzinfo=ZONE)

Drawn = tuple[Facts, list[datetime]]


@st.composite
def residents(draw: st.DrawFn) -> Drawn:
    rows: Rows = draw(resident("r0"))
    near = st.builds(moment, st.integers(-40, 400), st.sampled_from([0, 1, 600, 1439]))
    times = draw(st.lists(near, min_size=1, max_size=3))
    known = draw(st.lists(st.sampled_from(rows.known_at), max_size=2)) if rows.known_at else []
    midnights = [datetime.combine(p.last + timedelta(days=1), time(), ZONE) for p in PERIODS[:3]]
    return rows.history().as_of(EVER), times + known + [t - timedelta(microseconds=1) for t in known] + midnights


def indicators(method: str) -> Iterator[tuple[Period, CatalogueVersion, Indicator]]:
    """Each indicator of the periods that the method computes, with its period and catalogue version."""
    for period in PERIODS:
        version = CATALOGUE.for_period(period)
        yield from ((period, version, i) for i in version.indicators if i.method == method)


def methods(having: Callable[[Method], object]) -> list[str]:
    return sorted({i.method for p in PERIODS for i in CATALOGUE.for_period(p).indicators if having(METHODS[i.method])})


STATED = methods(lambda m: m.steps)


@pytest.mark.parametrize("method", STATED)
@given(drawn=residents())
@settings(max_examples=300, deadline=None)
def test_a_methods_steps_add_up_to_its_cases_at_every_turn(method: str, drawn: Drawn) -> None:
    facts, moments = drawn
    stated = METHODS[method].steps
    assert stated is not None
    for period, version, indicator in indicators(method):
        for since in moments:
            ahead = Ahead(period, ZONE, since)
            expected = net(sampled(version, indicator, facts, ahead))
            assert net(stated(facts, Ahead(period, ZONE, since), indicator.parameters)) == expected, (
                indicator.id,
                period.code,
                since,
            )


@pytest.mark.parametrize("method", methods(lambda m: m.concerns))
@given(drawn=residents())
@settings(max_examples=300, deadline=None)
def test_a_resident_a_method_does_not_concern_has_no_case_of_it_at_any_turn(method: str, drawn: Drawn) -> None:
    """The projection skips such a resident's new facts for the method (`Method.concerns`)."""
    facts, moments = drawn
    concerns = METHODS[method].concerns
    assert concerns is not None
    for period, version, indicator in indicators(method):
        if not concerns(facts, indicator.parameters):
            cases = [sampled(version, indicator, facts, Ahead(period, ZONE, since)) for since in moments]
            assert cases == [[] for _ in moments], (indicator.id, period.code)


def test_every_frequent_kind_of_case_states_its_steps() -> None:
    """Asking the method at every turn is hundreds of times slower: the projection keeps up only with steps."""
    frequent = {"contracts_signed", "coverage", "key_population_coverage", "workload", "renewal_rate"}
    frequent |= {"effective_contracting", "package_fulfilment", "follow_up", "control", "satisfaction"}
    assert frequent <= set(STATED), frequent - set(STATED)


def test_a_period_and_its_days() -> None:
    ahead = Ahead(Period.parse("2026-Q1"), ZONE, moment(10, 600))
    assert ahead.first_seen == moment(10, 0).date()
    assert ahead.sees(moment(3, 0).date()) == ahead.since
    assert ahead.sees(moment(20, 0).date()) == moment(20, 0)
    assert ahead.sees(moment(95, 0).date()) is None
