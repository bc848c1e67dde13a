"""A resident's figures changed each time new facts of theirs are applied, in every period of
every year (under that year's catalogue version) those facts reach, and there only for the
indicators reading facts of their kinds, add up at every as-of to the appraisal's figures:
whether the facts arrive in the order they became known or some after facts known later."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.domain.appraisal import cases_of
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.facts import Facts
from appraisal.domain.indicators import METHODS
from appraisal.domain.known import KINDS, ResidentHistory
from appraisal.domain.periods import Period, Window, periods_of
from appraisal.domain.recomputation import in_turn, late, reach
from appraisal.domain.steps import Net
from appraisal.domain.strata import Stratum
from services.appraisal.tests.appraisal_facts import BASIC, CATALOGUE, ZONE, at, contract, rating, step, visit
from services.appraisal.tests.changes_added import add, added_by, figures_of
from services.appraisal.tests.resident_histories import Rows, as_of_times, resident

Figures = dict[tuple[str, Stratum], tuple[int, int]]


@st.composite
def lives(draw: st.DrawFn) -> tuple[Rows, list[datetime]]:
    rows = draw(resident("r0"))
    return rows, draw(as_of_times(Period.parse("2026"), rows.known_at))


@given(lives(), st.randoms(use_true_random=False))
@settings(max_examples=2000, deadline=None)
def test_a_resident_recomputed_as_facts_arrive_is_the_appraisal_of_every_period(
    case: tuple[Rows, list[datetime]], rng: Random
) -> None:
    """Most facts arrive in the order they became known (`in_turn`, several instants at once
    as in a batch); some are applied after facts known later than they were (`late`)."""
    rows, moments = case
    instants = sorted(set(rows.known_at))
    applied = sorted(instants, key=lambda at: (at + timedelta(days=rng.choice((0, 0, 0, 50))), at))
    changes: dict[tuple[str, str], Net] = {}
    k = 0
    while k < len(applied):
        since = applied[k]
        if max(applied[:k], default=since) <= since:
            n = 1  # several instants in turn at once, as a batch brings them
            while k + n < len(applied) and applied[k + n] > applied[k + n - 1] and rng.random() < 0.5:
                n += 1
            found = in_turn(CATALOGUE, ZONE, _history(rows, set(applied[: k + n])), applied[k : k + n])
        else:
            n, seen = 1, set(applied[: k + 1])
            found = late(CATALOGUE, ZONE, _history(rows, seen - {since}), _history(rows, seen), since)
        add(changes, found)
        k += n
    for version, period in _appraised_periods():
        for as_of in moments:
            oracle = cases_of(version, rows.history().as_of(as_of), Window(period, as_of, ZONE))
            of_period = {i: net for (code, i), net in changes.items() if code == period.code}
            assert added_by(version, of_period, as_of) == figures_of(version, oracle), (period, as_of)


def _history(rows: Rows, known: set[datetime]) -> ResidentHistory:
    """The resident's facts known at these instants only (those applied so far)."""
    kept = Rows(**{kind: [r for r in getattr(rows, kind) if r[0] in known] for kind in KINDS})
    return kept.history()


def _appraised_periods() -> list[tuple[CatalogueVersion, Period]]:
    """Every period of the years the histories reach that a catalogue version is in force for."""
    found = []
    for period in (p for year in (2024, 2025, 2026, 2027) for p in periods_of(year)):
        try:
            found.append((CATALOGUE.for_period(period), period))
        except NoCatalogueInForce:
            continue
    return found


def test_a_step_recorded_twice_counts_from_the_first_known_though_that_came_late() -> None:
    """The same acceptance recorded twice, the copy known later applied first: the copy known
    sooner is no new fact, but it moves the case to when it was known (found by hypothesis)."""
    issued, accepted = at("2026-03-02", 9), at("2026-03-02", 10)
    sooner, later = accepted, accepted + timedelta(minutes=5)
    same = step("x0", "accepted", issued, accepted)
    rows = Rows(referrals=[(later, same), (sooner, same), (at("2026-03-03"), step("x0", "issued", issued, issued))])
    first = Rows(referrals=[(later, same)])

    changes: dict[tuple[str, str], Net] = {}
    add(changes, in_turn(CATALOGUE, ZONE, first.history(), [later]))
    add(changes, late(CATALOGUE, ZONE, first.history(), Rows(referrals=rows.referrals[:2]).history(), sooner))
    add(changes, in_turn(CATALOGUE, ZONE, rows.history(), [at("2026-03-03")]))

    period = Period.parse("2026-Q1")
    for as_of in (sooner, later, at("2026-03-04")):
        oracle = cases_of(CATALOGUE.for_period(period), rows.history().as_of(as_of), Window(period, as_of, ZONE))
        of_period = {i: net for (code, i), net in changes.items() if code == period.code}
        assert added_by(CATALOGUE.for_period(period), of_period, as_of) == figures_of(
            CATALOGUE.for_period(period), oracle
        ), as_of


def test_only_the_indicators_reading_the_new_facts_kinds_change_in_the_periods_they_reach() -> None:
    known = at("2026-01-10", 21)
    rows = Rows(ratings=[(known, rating("s1", "r0", "2026-01-10", (5, 5, 5)))])

    found = in_turn(CATALOGUE, ZONE, rows.history(), [known])

    # a rating changes satisfaction only, in the periods of the year its facts name that hold its day
    assert sorted(found) == [("2026", "satisfaction"), ("2026-H1", "satisfaction"), ("2026-Q1", "satisfaction")]
    assert all(at == known for change in found.values() for at, _, _ in change)


def test_a_visit_reaches_its_days_periods_and_for_a_contract_year_those_holding_the_years_end() -> None:
    c = contract("c1", "r0", starts="2025-07-01", items=BASIC)
    before = Facts(contracts=(c,))
    after = Facts(contracts=(c,), visits=(visit("v1", "r0", "c1", "2026-03-01", "health_assessment"),))
    reached = reach(before, after, ZONE)
    periods = [p for year in (2025, 2026, 2027) for p in periods_of(year)]

    assert reached.kinds == {"visits"}
    assert [p.code for p in periods if reached.of(METHODS["follow_up"], p)] == ["2026", "2026-H1", "2026-Q1"]
    # the contract year it fell in ends on 30 June 2026
    assert [p.code for p in periods if reached.of(METHODS["package_fulfilment"], p)] == ["2026", "2026-H1", "2026-Q2"]
    assert not any(reached.of(METHODS["coverage"], p) for p in periods)


def test_a_renewal_reaches_its_term_and_the_end_of_the_contract_it_renews() -> None:
    old = contract("c1", "r0", starts="2025-01-01")
    new = contract("c2", "r0", starts="2026-04-01", renews="c1", signed="2026-03-20")
    reached = reach(Facts(contracts=(old,)), Facts(contracts=(old, new)), ZONE)

    assert reached.spans == ((date(2026, 3, 20), date(2027, 3, 31)), (date(2025, 12, 31), date(2025, 12, 31)))
    assert reached.of(METHODS["renewal_rate"], Period.parse("2025-Q4"))
    assert not reached.of(METHODS["renewal_rate"], Period.parse("2025-Q3"))
