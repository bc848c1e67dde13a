"""Capitation worked by hand, with the shipped rule of Guangdong ("44") for 2026: 200 yuan a
resident-year, weights children 1.2, elderly 1.8, hypertension 1.3; 60% of a surplus kept (cap
10% of the budget), 30% of an overspend borne (cap 5%); a referral fee of 20 yuan."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from billing.adapters.files.capitation_rules import load_capitation_rules
from billing.domain.capitation import Coverage, monthly_advances, year_budget
from billing.domain.reconciliation import Claim, ClaimKind, Reconciliation, claims_of, reconcile, spending

_, RULES = load_capitation_rules()
RULE = RULES.for_("440106", 2026)
TEAM = ("team", "T-440106-001")


def covered(ref: str, labels: set[str], starts: date = date(2026, 1, 1), ends: date = date(2026, 12, 31)) -> Coverage:
    return Coverage(ref, "T-440106-001", "CHC-440106-01", "440106", frozenset(labels), starts, ends)


COVERAGES = [
    covered("r_a", set()),  # 20000 × 1
    covered("r_b", {"elderly", "hypertension"}),  # 20000 × 1.8 × 1.3 = 46800
    covered("r_c", {"children"}, date(2026, 7, 1), date(2027, 6, 30)),  # 20000 × 1.2 × 184 ÷ 365
]


def claim(n: int, ref: str, fen: int, kind: ClaimKind = "own_outpatient", on: date = date(2026, 5, 1)) -> Claim:
    return Claim(f"c{n}", "CHC-440106-01", ref, fen, on, kind)


def reconciled(claims: list[Claim], referrals: int, previous: Reconciliation | None = None) -> Reconciliation | None:
    budget = year_budget(COVERAGES, RULES, 2026)
    spent = spending(claims_of(claims, COVERAGES, 2026), referrals, RULE)
    return reconcile(TEAM, budget, spent, RULE.retention, previous)


UNDER = [
    claim(1, "r_a", 25000),
    claim(2, "r_b", 35000),
    claim(3, "r_b", 10000, "referred_care"),
    claim(4, "r_c", 5000, on=date(2026, 3, 1)),  # before r_c's contract: not this team's
]


def test_the_budget_is_each_residents_weighted_amount_for_their_contracted_days() -> None:
    budget = year_budget(COVERAGES, RULES, 2026)

    # 20000 + 46800 + 12098.63 = 78898.63 -> 78899; the odd fen to r_c, the largest remainder
    assert budget.total_fen == 78899
    assert budget.by_resident == {"r_a": 20000, "r_b": 46800, "r_c": 12099}
    assert budget.contracted_days == {"r_a": 365, "r_b": 365, "r_c": 184}
    assert monthly_advances(budget.total_fen, RULE) == [5918] * 5 + [5917] * 7  # 90% of 78899 = 71009 = 12 × 5917 + 5


def test_a_team_under_budget_keeps_its_share_of_the_surplus() -> None:
    result = reconciled(UNDER, referrals=1)

    assert result is not None and result.sequence == 0
    f = result.figures
    assert (f.own_outpatient_fen, f.referred_care_fen, f.referral_fees_fen) == (60000, 10000, 2000)
    assert f.spending_fen == 72000
    assert f.surplus_fen == 6899
    assert (f.retained_fen, f.returned_fen) == (4139, 2760)  # 60% of 6899 = 4139.4; cap 7890 not reached
    assert (f.borne_fen, f.covered_fen) == (0, 0)
    drill_down = spending(claims_of(UNDER, COVERAGES, 2026), 1, RULE).by_resident
    assert drill_down == {"r_a": 25000, "r_b": 45000}  # r_c's March claim is before their contract


def test_a_team_over_budget_bears_its_share_of_the_overspend_up_to_the_cap() -> None:
    claims = [claim(1, "r_a", 40000), claim(2, "r_b", 45000), claim(3, "r_b", 30000, "referred_care")]

    result = reconciled(claims, referrals=2)

    assert result is not None
    f = result.figures
    assert (f.spending_fen, f.surplus_fen) == (119000, -40101)
    assert (f.borne_fen, f.covered_fen) == (3945, 36156)  # 30% = 12030, capped at 5% of 78899 = 3945
    assert (f.retained_fen, f.returned_fen) == (0, 0)


def test_a_late_claim_restates_the_closed_year_by_the_difference() -> None:
    closed = reconciled(UNDER, referrals=1)
    late = claim(5, "r_a", 8000, "referred_care", on=date(2026, 11, 20))

    restated = reconciled([*UNDER, late], referrals=1, previous=closed)

    assert restated is not None and restated.sequence == 1 and restated.restated is not None
    f, d = restated.figures, restated.restated
    assert (f.spending_fen, f.surplus_fen, f.borne_fen, f.covered_fen) == (80000, -1101, 330, 771)
    assert (d.spending_fen, d.surplus_fen, d.retained_fen, d.returned_fen) == (8000, -8000, -4139, -2760)
    assert (d.borne_fen, d.covered_fen, d.budget_fen) == (330, 771, 0)


def test_the_same_claims_read_again_restate_nothing() -> None:
    closed = reconciled(UNDER, referrals=1)

    assert reconciled([*UNDER, UNDER[0]], referrals=1, previous=closed) is None


def test_an_elderly_residents_weight_times_the_highest_condition() -> None:
    assert RULE.weight({"elderly", "hypertension", "diabetes"}) == Fraction("1.8") * Fraction("1.4")
    assert RULE.weight({"disabled"}) == 1
