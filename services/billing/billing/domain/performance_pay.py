"""Performance pay (item 7 of the 2016 plan): each year a share of the contract-fee income,
scaled by the appraisal score, is drawn into a pool and distributed to the team's members by
their contribution.

As openIMIS does for capitation factors, each factor (visits, follow-ups, good ratings,
key-population residents served) gets its weight's share of the pool, divided between the
members in proportion to their counts of it; a member's sum is then leaned by their role's
weight. The members' exact quotas are apportioned by largest remainder, so the shares add up
to the pool to the fen. A member who left during the year is paid for what they did while a
member: their counts stop when they left. A factor nobody contributed to passes its weight
to the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

from billing.domain.capitation_rules import FACTORS, Factor, PerformancePayRule
from billing.domain.money import part_of, split


@dataclass(frozen=True)
class Contribution:
    member_id: str
    role: str
    counts: dict[Factor, int]


@dataclass(frozen=True)
class Membership:
    member_id: str
    role: str
    joined_on: date
    left_on: date | None  # the last day as a member; None while still one

    def on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


@dataclass(frozen=True)
class Activity:
    """A visit, follow-up or good rating (> 3 of 5) credited to a member."""

    member_id: str
    factor: Literal["visits", "follow_ups", "good_ratings"]
    on: date
    resident_ref: str
    key_population: bool  # the resident carries a key-population label


def contributions(memberships: Iterable[Membership], activities: Iterable[Activity], year: int) -> list[Contribution]:
    """Each member's counts for the year, only of days they were a member: one who left is
    credited up to leaving. Key-population residents served are the distinct such residents
    of their visits and follow-ups."""
    members = {m.member_id: m for m in memberships if _during(m, year)}
    counts: dict[str, dict[Factor, int]] = {m: dict.fromkeys(FACTORS, 0) for m in members}
    served: dict[str, set[str]] = {m: set() for m in members}
    for a in activities:
        member = members.get(a.member_id)
        if member is None or a.on.year != year or not member.on(a.on):
            continue
        counts[a.member_id][a.factor] += 1
        if a.key_population and a.factor != "good_ratings":
            served[a.member_id].add(a.resident_ref)
    for m, refs in served.items():
        counts[m]["key_population_residents"] = len(refs)
    return [Contribution(m, members[m].role, counts[m]) for m in members]


def _during(membership: Membership, year: int) -> bool:
    left = membership.left_on or date(year, 12, 31)
    return membership.joined_on <= date(year, 12, 31) and left >= date(year, 1, 1)


@dataclass(frozen=True)
class Share:
    member_id: str
    amount_fen: int
    quota: Fraction  # the member's exact part of the pool (before rounding), for "how computed"


@dataclass(frozen=True)
class Distribution:
    income_fen: int
    score: Fraction
    pool_fen: int
    shares: tuple[Share, ...]  # empty when nobody contributed: the pool stays undistributed


def pool(income_fen: int, score: Fraction, rule: PerformancePayRule) -> int:
    """`pool_share` of the income times the score's fraction, half up to the fen."""
    return part_of(income_fen, rule.pool_share * rule.scaling.fraction(score))


def quotas(contributions: Iterable[Contribution], rule: PerformancePayRule) -> dict[str, Fraction]:
    """Each member's weight in the pool: Σ factor weight × their share of its count, × role weight."""
    members = list(contributions)
    totals = {f: sum(m.counts.get(f, 0) for m in members) for f in FACTORS}
    live = {f: w for f, w in rule.weights.items() if w and totals[f]}
    whole = sum(live.values(), Fraction(0))
    if not whole:
        return {}
    return {m.member_id: rule.role_weight(m.role) * _points(m, live, totals) / whole for m in members}


def _points(member: Contribution, weights: dict[Factor, Fraction], totals: dict[Factor, int]) -> Fraction:
    return sum((w * Fraction(member.counts.get(f, 0), totals[f]) for f, w in weights.items()), Fraction(0))


def distribute(
    income_fen: int, score: Fraction, contributions: Iterable[Contribution], rule: PerformancePayRule
) -> Distribution:
    drawn = pool(income_fen, score, rule)
    weights = quotas(contributions, rule)
    if not drawn or not any(weights.values()):
        return Distribution(income_fen, score, drawn, ())
    whole = sum(weights.values(), Fraction(0))
    amounts = split(drawn, weights)
    shares = tuple(Share(member, amounts[member], drawn * w / whole) for member, w in weights.items())
    return Distribution(income_fen, score, drawn, shares)
