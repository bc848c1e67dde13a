"""Exact money: integer fen, split between payers so the shares always add up to the whole."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from math import floor
from typing import TypeVar

K = TypeVar("K")


def split(total: int, weights: Mapping[K, Fraction | int]) -> dict[K, int]:
    """Largest-remainder (Hamilton) apportionment of `total` fen in proportion to `weights`.

    Each part gets the floor of its exact quota; the fen left over go one each to the parts
    with the largest remainders (ties to the earlier key, so the result is deterministic).
    The parts add up to `total` exactly, and none is more than one fen from its quota.
    A negative total (a refund) is split as its absolute value, then negated.
    """
    if total < 0:
        return {k: -v for k, v in split(-total, weights).items()}
    exact = {k: Fraction(w) for k, w in weights.items()}
    whole = sum(exact.values(), Fraction(0))
    if any(w < 0 for w in exact.values()) or whole <= 0:
        raise ValueError(f"weights must be non-negative and not all zero: {dict(weights)}")
    quotas = {k: total * w / whole for k, w in exact.items()}
    parts = {k: floor(q) for k, q in quotas.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(quotas, key=lambda k: -(quotas[k] % 1))  # stable: ties keep key order
    for k in by_remainder[:left]:
        parts[k] += 1
    return parts


def round_half_up(amount: Fraction) -> int:
    """The nearest fen; halves away from zero (the usual rule for money)."""
    magnitude = floor(abs(amount) + Fraction(1, 2))
    return magnitude if amount >= 0 else -magnitude


def part_of(amount: int, share: Fraction) -> int:
    """`share` of `amount` fen, rounded to the nearest fen."""
    return round_half_up(amount * share)
