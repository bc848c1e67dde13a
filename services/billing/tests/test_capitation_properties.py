"""Capitation money is conserved to the fen, on thousands of random teams, claims and rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain import performance_year as py
from billing.domain.capitation import Coverage, covering, year_budget
from billing.domain.capitation_rules import (
    FACTORS,
    CapitationRule,
    CapitationRules,
    PerformancePayRule,
    SurplusRetention,
)
from billing.domain.fee_rules import ReleaseRule
from billing.domain.performance_pay import Contribution, distribute
from billing.domain.reconciliation import Claim, Figures, Reconciliation, claims_of, reconcile, spending

shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)
labels = st.frozensets(st.sampled_from(["elderly", "children", "hypertension", "diabetes", "disabled"]), max_size=3)


@st.composite
def rules(draw: st.DrawFn) -> CapitationRule:
    raw = draw(st.lists(st.integers(0, 100), min_size=len(FACTORS), max_size=len(FACTORS)).filter(any))
    weights = {f: Fraction(w, sum(raw)) for f, w in zip(FACTORS, raw, strict=True)}
    pay = PerformancePayRule(draw(shares), ReleaseRule("team", Fraction(60), Fraction(100)), weights)
    return CapitationRule(
        "",
        2026,
        draw(st.integers(0, 100_000)),
        "insurance_fund",
        {"children": Fraction(6, 5), "elderly": Fraction(9, 5)},
        {"hypertension": Fraction(13, 10), "diabetes": Fraction(7, 5)},
        draw(shares),
        12,
        SurplusRetention(draw(shares), draw(shares), draw(shares), draw(shares)),
        draw(st.integers(0, 10_000)),
        pay,
    )


@st.composite
def coverages(draw: st.DrawFn) -> list[Coverage]:
    found = []
    for n in range(draw(st.integers(0, 30))):
        start = date(2025, 6, 1) + timedelta(days=draw(st.integers(0, 700)))
        end = start + timedelta(days=draw(st.integers(0, 800)))
        found.append(Coverage(f"r_{n % 20}", "T", "I", "440106", draw(labels), start, end))
    return found


claims = st.lists(
    st.builds(
        Claim,
        st.integers(0, 60).map(str),
        st.just("I"),
        st.integers(0, 19).map(lambda n: f"r_{n}"),
        st.integers(0, 500_000),
        st.just(date(2026, 6, 1)),
        st.sampled_from(["own_outpatient", "referred_care"]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(rule=rules(), covered=coverages())
def test_the_residents_parts_add_up_to_the_budget_within_half_a_fen_of_exact(
    rule: CapitationRule, covered: list[Coverage]
) -> None:
    budget = year_budget(covered, CapitationRules((rule,)), 2026)

    assert sum(budget.by_resident.values()) == budget.total_fen
    amounts = (rule.annual_fen * rule.weight(c.key_populations) * Fraction(_days(c), 365) for c in covered)
    exact = sum(amounts, Fraction(0))
    assert abs(budget.total_fen - exact) <= Fraction(1, 2)


NOW = datetime(2026, 1, 20, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(rule=rules(), covered=coverages(), batches=st.lists(claims, min_size=1, max_size=5), referrals=st.integers(0, 9))
def test_budget_less_spending_is_the_surplus_and_every_restatement_reconciles(
    rule: CapitationRule, covered: list[Coverage], batches: list[list[Claim]], referrals: int
) -> None:
    budget = year_budget(covered, CapitationRules((rule,)), 2026)
    arrived: list[Claim] = []
    latest: Reconciliation | None = None
    differences: list[Figures] = []
    for batch in batches:
        arrived += batch
        now = reconcile(("team", "T"), budget, spending(arrived, referrals, rule), rule.retention, latest)
        if now is not None:
            latest = now
            differences += [now.restated] if now.restated else []
            _conserved(now.figures, rule.retention)
    assert latest is not None
    first = reconcile(("team", "T"), budget, spending(batches[0], referrals, rule), rule.retention)
    assert first is not None
    assert _sum(first.figures, differences) == latest.figures
    assert latest.sequence == len(differences)


@settings(max_examples=500, deadline=None)
@given(
    rule=rules(),
    income=st.integers(0, 50_000_000),
    score=st.fractions(0, 100, max_denominator=100),
    counts=st.lists(st.lists(st.integers(0, 2000), min_size=4, max_size=4), min_size=1, max_size=12),
)
def test_the_members_shares_add_up_to_the_pool(
    rule: CapitationRule, income: int, score: Fraction, counts: list[list[int]]
) -> None:
    roles = ("community_nurse", "family_doctor", "general_practitioner")
    team = [Contribution(f"m{i}", roles[i % 3], dict(zip(FACTORS, c, strict=True))) for i, c in enumerate(counts)]

    paid = distribute(income, score, team, rule.performance_pay)

    if paid.shares:
        assert sum(s.amount_fen for s in paid.shares) == paid.pool_fen
        assert all(abs(s.amount_fen - s.quota) < 1 for s in paid.shares)
    assert 0 <= paid.pool_fen <= income


def _conserved(f: Figures, retention: SurplusRetention) -> None:
    assert f.budget_fen - f.spending_fen == f.surplus_fen
    assert f.spending_fen == f.own_outpatient_fen + f.referred_care_fen + f.referral_fees_fen
    assert f.retained_fen + f.returned_fen == max(f.surplus_fen, 0)
    assert f.borne_fen + f.covered_fen == max(-f.surplus_fen, 0)
    assert 0 <= f.retained_fen <= f.budget_fen * retention.surplus_cap_of_budget + Fraction(1, 2)
    assert 0 <= f.borne_fen <= f.budget_fen * retention.overspend_cap_of_budget + Fraction(1, 2)


def _sum(first: Figures, differences: list[Figures]) -> Figures:
    total = first
    for d in differences:
        total = Figures(*(a + b for a, b in zip(vars(total).values(), vars(d).values(), strict=True)))
    return total


def _days(c: Coverage) -> int:
    first, last = max(c.starts_on, date(2026, 1, 1)), min(c.ends_on, date(2026, 12, 31))
    return max(0, (last - first).days + 1)


@settings(max_examples=300, deadline=None)
@given(
    rule=rules(),
    income=st.integers(0, 50_000_000),
    scores=st.lists(st.fractions(0, 100, max_denominator=100), min_size=1, max_size=4),
    counts=st.lists(st.lists(st.integers(0, 2000), min_size=4, max_size=4), min_size=1, max_size=8),
)
def test_a_recorded_distribution_makes_its_pool_and_its_restatements_add_up_to_the_latest(
    rule: CapitationRule, income: int, scores: list[Fraction], counts: list[list[int]]
) -> None:
    roles = ("community_nurse", "family_doctor", "general_practitioner")
    members = {f"m{i}": py.MemberInTeamYear(f"m{i}", roles[i % 3], "CHC", "440106") for i in range(len(counts))}
    team_counts = [
        Contribution(m, members[m].role, dict(zip(FACTORS, c, strict=True)))
        for m, c in zip(members, counts, strict=True)
    ]
    team, recorded = py.TeamYear(members=members), []
    for k, score in enumerate(scores):
        appraisal = py.TeamAppraised(f"ar-{k}", "2025", f"{score.numerator}/{score.denominator}", "CHC")
        team = py.evolve_team(team, appraisal)
        done = py.distribute_year("T", 2025, team, team_counts, income, rule.performance_pay, NOW)
        if done is not None:
            team = py.evolve_team(team, done)
            recorded.append(done)

    for r in recorded:
        assert sum(s.amount_fen for s in r.shares) + r.undistributed_fen == r.pool_fen
    first, latest = recorded[0], recorded[-1]
    paid = {s.member_id: s.amount_fen for s in first.shares}
    for r in recorded[1:]:
        for s in r.shares:
            assert s.difference_fen is not None
            paid[s.member_id] += s.difference_fen
    assert paid == {s.member_id: s.amount_fen for s in latest.shares}
    assert [r.sequence for r in recorded] == list(range(len(recorded)))


@settings(max_examples=300, deadline=None)
@given(coverages(), st.lists(st.tuples(st.integers(0, 22), st.integers(0, 900)), max_size=40))
def test_the_claims_charged_are_those_served_in_the_year_on_a_day_their_resident_was_covered(
    held: list[Coverage], served: list[tuple[int, int]]
) -> None:
    """As the rule reads, each claim against every coverage (`claims_of` looks a resident's up by them)."""
    found = [
        Claim(str(n), "I", f"r_{who}", 100, date(2025, 6, 1) + timedelta(days=day), "own_outpatient")
        for n, (who, day) in enumerate(served)
    ]

    charged = claims_of(found, held, 2026)

    in_2026 = [c for c in found if c.service_date.year == 2026]
    assert charged == [c for c in in_2026 if covering(held, c.resident_ref, c.service_date)]
