"""A resident's figures changed each time new facts of theirs are applied, in every period of
every year (under that year's catalogue version) those facts reach, and there only for the
indicators reading facts of their kinds, add up at every as-of to the appraisal's figures:
whether the facts arrive in the order they became known or some after facts known later."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.domain.appraisal import appraise
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.indicators import METHODS
from appraisal.domain.known import KINDS, ResidentHistory
from appraisal.domain.periods import Period, Window, periods_of
from appraisal.domain.recomputation import Arrived, in_turn, late
from appraisal.domain.steps import Net
from appraisal.domain.strata import Stratum
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE, at, rating
from services.appraisal.tests.changes_added import add, added_by, figures_of
from services.appraisal.tests.resident_histories import Rows, as_of_times, resident

Figures = dict[tuple[str, Stratum], tuple[int, int]]


@st.composite
def lives(draw: st.DrawFn) -> tuple[Rows, list[datetime]]:
    rows = draw(resident("r0"))
    return rows, draw(as_of_times(Period.parse("2026"), rows.known_at))


@given(lives(), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None, derandomize=True)
def test_a_resident_recomputed_as_facts_arrive_is_the_appraisal_of_every_period(
    case: tuple[Rows, list[datetime]], rng: Random
) -> None:
    """Most facts arrive in the order they became known (`in_turn`); some are applied after
    facts known later than they were (`late`)."""
    rows, moments = case
    instants = sorted(set(rows.known_at))
    applied = sorted(instants, key=lambda at: (at + timedelta(days=rng.choice((0, 0, 0, 50))), at))
    changes: dict[tuple[str, str], Net] = {}
    for k, since in enumerate(applied):
        seen = set(applied[: k + 1])
        after = _history(rows, seen)
        if max(applied[:k], default=since) <= since:
            found = in_turn(CATALOGUE, ZONE, after, [_arrived(rows, since)])
        else:
            found = late(CATALOGUE, ZONE, _history(rows, seen - {since}), after, _arrived(rows, since))
        add(changes, found)
    for version, period in _appraised_periods():
        for as_of in moments:
            oracle = appraise(version, rows.history().as_of(as_of), Window(period, as_of, ZONE))
            of_period = {i: net for (code, i), net in changes.items() if code == period.code}
            assert added_by(version, of_period, as_of) == figures_of(version, oracle.cases), (period, as_of)


def _history(rows: Rows, known: set[datetime]) -> ResidentHistory:
    """The resident's facts known at these instants only (those applied so far)."""
    kept = Rows(**{kind: [r for r in getattr(rows, kind) if r[0] in known] for kind in KINDS})
    return kept.history()


def _arrived(rows: Rows, since: datetime) -> Arrived:
    """The facts known at `since`: their kinds and, unless one is a contract or an ending, their days."""
    new = {kind: [f for at, f in getattr(rows, kind) if at == since] for kind in KINDS}
    kinds = frozenset(kind for kind, facts in new.items() if facts)
    if kinds & {"contracts", "endings"}:
        return Arrived(since, kinds)
    instants = [v.occurred_at for v in new["visits"]] + [r.rated_at for r in new["ratings"]]
    days = {at.astimezone(ZONE).date() for at in instants + [s.issued_at for s in new["referrals"]]}
    return Arrived(since, kinds, frozenset(days | {c.on for c in new["care"]}))


def _appraised_periods() -> list[tuple[CatalogueVersion, Period]]:
    """Every period of the years the histories reach that a catalogue version is in force for."""
    found = []
    for period in (p for year in (2024, 2025, 2026, 2027) for p in periods_of(year)):
        try:
            found.append((CATALOGUE.for_period(period), period))
        except NoCatalogueInForce:
            continue
    return found


def test_only_the_indicators_reading_the_new_facts_kinds_change_in_the_periods_they_reach() -> None:
    known = at("2026-01-10", 21)
    rows = Rows(ratings=[(known, rating("s1", "r0", "2026-01-10", (5, 5, 5)))])
    arrived = Arrived(known, frozenset({"ratings"}), frozenset({date(2026, 1, 10)}))

    found = in_turn(CATALOGUE, ZONE, rows.history(), [arrived])

    # a rating changes satisfaction only, in the periods of the year its facts name that hold its day
    assert sorted(found) == [("2026", "satisfaction"), ("2026-H1", "satisfaction"), ("2026-Q1", "satisfaction")]
    assert all(at == known for change in found.values() for at, _, _ in change)


def test_a_visit_reaches_its_days_periods_and_for_its_contract_year_the_periods_a_year_after() -> None:
    visited = Arrived(at("2026-03-01"), frozenset({"visits"}), frozenset({date(2026, 3, 1)}))
    periods = [p for year in (2025, 2026, 2027) for p in periods_of(year)]
    counts_for = METHODS["package_fulfilment"].counts_for

    assert [p.code for p in periods if visited.reaches(p)] == ["2026", "2026-H1", "2026-Q1"]
    # and where a contract year it fell in can end (by 2 March 2027)
    assert [p.code for p in periods if visited.reaches(p, counts_for)] == ["2026", "2026-H1", "2026-H2", "2026-Q1",
            "2026-Q2", "2026-Q3", "2026-Q4", "2027", "2027-H1", "2027-Q1"]  # fmt: skip
    assert METHODS["follow_up"].counts_for == timedelta(0)
    assert all(Arrived(at("2026-03-01")).reaches(p) for p in periods)
