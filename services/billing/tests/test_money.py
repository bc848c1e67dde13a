"""Splits are exact: thousands of random fees and ratios, the shares always add up to the fee."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.fee_rules import FeeRule
from billing.domain.money import part_of, round_half_up, split

fees = st.integers(min_value=-10_000_000, max_value=10_000_000)
weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6).filter(any)


@settings(max_examples=3000)
@given(fee=fees, ratio=weights)
def test_the_shares_add_up_to_the_fee_and_stay_within_a_fen_of_their_quota(fee: int, ratio: list[int]) -> None:
    parts = split(fee, dict(enumerate(ratio)))

    assert sum(parts.values()) == fee
    for i, weight in enumerate(ratio):
        quota = Fraction(fee * weight, sum(ratio))
        assert abs(parts[i] - quota) < 1
        assert (parts[i] >= 0) if fee >= 0 else (parts[i] <= 0)


@settings(max_examples=1000)
@given(fee=st.integers(min_value=0, max_value=5_000_000), a=st.integers(0, 100), b=st.integers(0, 100))
def test_a_rule_splits_every_fee_exactly_whoever_pays(fee: int, a: int, b: int) -> None:
    insurance, public_health = Fraction(a), Fraction(min(b, 100 - a))
    rule = FeeRule(
        "44",
        2026,
        {"insurance_fund": insurance, "public_health_fund": public_health, "resident": 100 - insurance - public_health},
    )
    for insured in (True, False):
        for assisted in (True, False):
            parts = rule.split_fee(fee, insured, assisted)
            assert sum(parts.values()) == fee
            assert all(amount > 0 for amount in parts.values())
            assert not assisted or "resident" not in parts


def test_the_largest_remainders_get_the_fen_left_over_deterministically() -> None:
    assert split(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert split(-100, {"a": 1, "b": 1, "c": 1}) == {"a": -34, "b": -33, "c": -33}
    assert split(10, {"a": Fraction(6, 10), "b": Fraction(25, 100), "c": Fraction(15, 100)}) == {"a": 6, "b": 3, "c": 1}


def test_rounding_is_half_up_away_from_zero() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (-3, -1, 1, 3)] == [-2, -1, 1, 2]
    assert part_of(2630880, Fraction(86, 100)) == 2262557  # the golden WithheldReleased
