"""Performance pay worked by hand: the shipped rule draws 70% of the contract-fee income,
scaled by the score (nothing below 60, all from 100), and weighs visits 40%, follow-ups 30%,
good ratings 10%, key-population residents 20%; doctors count 1.2."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from billing.adapters.files.capitation_rules import load_capitation_rules
from billing.domain.capitation_rules import FACTORS
from billing.domain.performance_pay import Activity, Contribution, Membership, contributions, distribute, pool

_, RULES = load_capitation_rules()
RULE = RULES.for_("440106", 2026).performance_pay


def member(member_id: str, role: str, *counts: int) -> Contribution:
    """Counts of visits, follow-ups, good ratings and key-population residents served."""
    return Contribution(member_id, role, dict(zip(FACTORS, counts, strict=True)))


TEAM = [
    member("D1", "family_doctor", 300, 120, 80, 150),  # 0.24 + 0.12 + 0.08 + 0.12 = 0.56, × 1.2 = 0.672
    member("N1", "community_nurse", 100, 150, 20, 50),  # 0.08 + 0.15 + 0.02 + 0.04 = 0.29
    member("D2", "family_doctor", 100, 30, 0, 50),  # left on 30 June: 0.08 + 0.03 + 0.04 = 0.15, × 1.2 = 0.18
]


def test_the_pool_is_the_share_of_the_income_scaled_by_the_score() -> None:
    assert pool(1_000_000, Fraction(90), RULE) == 630_000  # 70% × 90 / 100
    assert pool(1_000_000, Fraction(59), RULE) == 0  # below 60 nothing
    assert pool(1_000_000, Fraction(100), RULE) == 700_000


def test_a_member_who_left_mid_year_is_paid_for_what_they_did_and_the_shares_make_the_pool() -> None:
    paid = distribute(1_000_000, Fraction(90), TEAM, RULE)

    # 630000 × 0.672 / 1.142 = 370718.04, × 0.29 / 1.142 = 159982.49, × 0.18 / 1.142 = 99299.47
    assert {s.member_id: s.amount_fen for s in paid.shares} == {"D1": 370718, "N1": 159983, "D2": 99299}
    assert sum(s.amount_fen for s in paid.shares) == paid.pool_fen == 630_000
    d2 = next(s for s in paid.shares if s.member_id == "D2")
    assert d2.quota == Fraction(630_000 * 180, 1142)  # the exact figure shown to the member


def test_a_factor_nobody_contributed_to_passes_its_weight_to_the_others() -> None:
    alone = [member("D1", "family_doctor", 10, 0, 0, 0), member("N1", "community_nurse", 30, 0, 0, 0)]

    paid = distribute(100_000, Fraction(100), alone, RULE)

    assert {s.member_id: s.amount_fen for s in paid.shares} == {"D1": 20_000, "N1": 50_000}  # 1.2 × 10 : 30 of 70000


def test_nobody_contributed_leaves_the_pool_undistributed() -> None:
    assert distribute(100_000, Fraction(100), [member("D1", "family_doctor", 0, 0, 0, 0)], RULE).shares == ()


def test_a_member_who_left_is_credited_for_the_days_they_were_a_member() -> None:
    memberships = [
        Membership("D1", "family_doctor", date(2020, 1, 1), None),
        Membership("D2", "family_doctor", date(2024, 3, 1), date(2026, 6, 30)),
        Membership("D3", "family_doctor", date(2027, 1, 1), None),  # joins next year: not in 2026
    ]
    activities = [
        Activity("D1", "visits", date(2026, 3, 2), "r_1", key_population=True),
        Activity("D1", "good_ratings", date(2026, 3, 2), "r_1", key_population=True),
        Activity("D2", "visits", date(2026, 5, 4), "r_1", key_population=True),
        Activity("D2", "follow_ups", date(2026, 6, 30), "r_2", key_population=True),
        Activity("D2", "visits", date(2026, 7, 3), "r_3", key_population=False),  # after leaving: not D2's
        Activity("D1", "visits", date(2025, 12, 31), "r_3", key_population=False),  # last year
    ]

    counted = {c.member_id: c.counts for c in contributions(memberships, activities, 2026)}

    assert counted == {
        "D1": {"visits": 1, "follow_ups": 0, "good_ratings": 1, "key_population_residents": 1},
        "D2": {"visits": 1, "follow_ups": 1, "good_ratings": 0, "key_population_residents": 2},
    }
