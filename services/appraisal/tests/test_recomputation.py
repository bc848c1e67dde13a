"""A resident recomputed each time new facts of theirs become known, in every period of every
year (under that year's catalogue version) those facts reach, and there only the indicators
reading facts of their kinds, is the appraisal of each of those periods: the cases holding
at an as-of are those `appraise` finds, the changes by then add up to its figures, and a
period left out has no case of theirs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.domain.appraisal import appraise
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.deltas import Delta
from appraisal.domain.errors import NoCatalogueInForce
from appraisal.domain.figures import totals
from appraisal.domain.known import KINDS
from appraisal.domain.periods import Period, Window, periods_of
from appraisal.domain.recomputation import Arrived, recomputed
from appraisal.domain.strata import Stratum, Subjects
from appraisal.domain.trajectory import Segment
from services.appraisal.tests.appraisal_facts import CATALOGUE, T1, ZONE, at, rating
from services.appraisal.tests.resident_histories import Rows, as_of_times, resident

Figures = dict[tuple[str, Stratum], tuple[int, int]]


@st.composite
def lives(draw: st.DrawFn) -> tuple[Rows, list[datetime]]:
    rows = draw(resident("r0"))
    return rows, draw(as_of_times(Period.parse("2026"), rows.known_at))


@given(lives())
@settings(max_examples=60, deadline=None, derandomize=True)
def test_a_resident_recomputed_as_facts_arrive_is_the_appraisal_of_every_period(
    case: tuple[Rows, list[datetime]],
) -> None:
    rows, moments = case
    stored: dict[str, tuple[Segment, ...]] = {}
    changes: dict[str, list[Delta]] = {}
    for since in sorted(set(rows.known_at)):
        for r in recomputed(CATALOGUE, ZONE, rows.history(known_by=since), _arrived(rows, since), stored):
            stored[r.period.code] = r.segments
            changes.setdefault(r.period.code, []).extend(r.deltas)
    for version, period in _appraised_periods():
        for as_of in moments:
            oracle = appraise(version, rows.history().as_of(as_of), Window(period, as_of, ZONE))
            expected = Counter((i, c) for i, cases in oracle.cases.items() for c in cases)
            holding = Counter((s.indicator_id, s.case) for s in stored.get(period.code, ()) if s.holds_at(as_of))
            assert holding == expected, (period.code, as_of)
            assert _added_up(changes.get(period.code, []), as_of) == _figures(version, oracle.cases), (period, as_of)


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


def _figures(version: CatalogueVersion, cases: Mapping[str, tuple[Case, ...]]) -> Figures:
    """What `figures.totals` adds up, without the empty strata."""
    found: Figures = {}
    for indicator in version.indicators:
        for stratum, sums in totals(indicator, list(cases[indicator.id]), Subjects()).items():
            if sums != (0, 0):
                found[(indicator.id, stratum)] = sums
    return found


def _added_up(changes: list[Delta], as_of: datetime) -> Figures:
    found: Figures = {}
    for d in changes:
        if d.instant <= as_of:
            was = found.get((d.indicator_id, d.stratum), (0, 0))
            found[(d.indicator_id, d.stratum)] = (was[0] + d.numerator, was[1] + d.denominator)
    return {key: sums for key, sums in found.items() if sums != (0, 0)}


def test_only_the_indicators_reading_the_new_facts_kinds_are_recomputed_in_the_periods_they_reach() -> None:
    known = at("2026-01-10", 21)
    rows = Rows(ratings=[(known, rating("s1", "r0", "2026-01-10", (5, 5, 5)))])
    stale = Segment("coverage", Case(T1, "r0", "c0", 1, 0, "kept as it was, no contract"), at("2026-01-01"))
    arrived = Arrived(known, frozenset({"ratings"}), frozenset({date(2026, 1, 10)}))

    found = {r.period.code: r for r in recomputed(CATALOGUE, ZONE, rows.history(), arrived, {"2026": [stale]})}

    # a rating changes satisfaction only, in the periods of the year its facts name (2026)
    assert sorted(found) == [p.code for p in periods_of(2026)]
    assert stale in found["2026"].segments
    assert {s.indicator_id for s in found["2026"].segments} == {"coverage", "satisfaction"}
    assert {d.indicator_id for d in found["2026"].deltas} == {"satisfaction"}


def test_a_visit_reaches_the_periods_up_to_a_year_after_its_day() -> None:
    visited = Arrived(at("2026-03-01"), frozenset({"visits"}), frozenset({date(2026, 3, 1)}))
    reached = [p.code for year in (2025, 2026, 2027) for p in periods_of(year) if visited.reaches(p)]

    # its own periods, and those where a contract year it fell in can end (by 2 March 2027)
    assert reached == ["2026", "2026-H1", "2026-H2", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027", "2027-H1",
                       "2027-Q1"]  # fmt: skip
    assert all(Arrived(at("2026-03-01")).reaches(p) for year in (2025, 2027) for p in periods_of(year))
