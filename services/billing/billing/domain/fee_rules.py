"""Fee rules: how a contract's annual fee is split between payers, per area and year.

Rules are data (a file per deployment), loaded into these values; the split itself is
exact (largest remainder), so the payers' shares always add up to the fee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, Protocol, TypeVar

from billing.domain.errors import InvalidFeeRule, NoFeeRule
from billing.domain.money import split

Payer = Literal["insurance_fund", "public_health_fund", "resident", "local_finance", "medical_assistance"]
PAYERS: tuple[Payer, ...] = ("insurance_fund", "public_health_fund", "resident", "local_finance", "medical_assistance")
HUNDRED = Fraction(100)


@dataclass(frozen=True)
class ReleaseRule:
    """How much of the withheld share an appraisal score releases: nothing below
    `none_below`, everything from `full_at`, and score / full_at in between."""

    subject_kind: Literal["institution", "team"] = "institution"
    none_below: Fraction = Fraction(0)
    full_at: Fraction = HUNDRED

    def fraction(self, score: Fraction) -> Fraction:
        if score < self.none_below:
            return Fraction(0)
        return min(Fraction(1), score / self.full_at)


@dataclass(frozen=True)
class FeeRule:
    """`shares` in percent of the fee (adding up to 100); `withheld` in percent of a
    payer's due, held back until the appraisal result."""

    area_prefix: str
    year: int
    shares: dict[Payer, Fraction]
    withheld: dict[Payer, Fraction] = field(default_factory=dict)
    release: ReleaseRule = ReleaseRule()

    def __post_init__(self) -> None:
        if sum(self.shares.values(), Fraction(0)) != HUNDRED or any(s < 0 for s in self.shares.values()):
            raise InvalidFeeRule(f"the shares of rule {self.area_prefix or '*'}/{self.year} must add up to 100%")
        if any(not 0 <= w <= HUNDRED for w in self.withheld.values()):
            raise InvalidFeeRule(f"withheld shares of rule {self.area_prefix or '*'}/{self.year} are 0-100%")

    def split_fee(self, fee_fen: int, insured: bool, medical_assistance: bool) -> dict[Payer, int]:
        """Each payer's part of the fee. The insurance fund pays only for an insured
        resident (else the resident does); medical assistance pays the resident's part
        for a resident with assistance status."""
        weights = dict(self.shares)
        if not insured:
            _move(weights, "insurance_fund", "resident")
        if medical_assistance:
            _move(weights, "resident", "medical_assistance")
        parts = split(fee_fen, {p: w for p, w in weights.items() if w > 0})
        return {payer: amount for payer, amount in parts.items() if amount}

    def withheld_share(self, payer: Payer) -> Fraction:
        return self.withheld.get(payer, Fraction(0)) / HUNDRED


def _move(weights: dict[Payer, Fraction], source: Payer, to: Payer) -> None:
    moved = weights.pop(source, Fraction(0))
    if moved:
        weights[to] = weights.get(to, Fraction(0)) + moved


@dataclass(frozen=True)
class FeeRules:
    rules: tuple[FeeRule, ...]

    def for_(self, area_code: str, year: int) -> FeeRule:
        rule = in_force(self.rules, area_code, year)
        if rule is None:
            raise NoFeeRule(f"no fee rule covers area {area_code} in {year}")
        return rule


class AreaYearRule(Protocol):
    @property
    def area_prefix(self) -> str: ...
    @property
    def year(self) -> int: ...


R = TypeVar("R", bound=AreaYearRule)


def in_force(rules: Iterable[R], area_code: str, year: int) -> R | None:
    """The rule in force for an area in a year: for each area prefix its latest rule of that
    year or before; of those, the most local one. Fee and capitation rules share this."""
    latest: dict[str, R] = {}
    for rule in rules:
        if area_code.startswith(rule.area_prefix) and rule.year <= year:
            known = latest.get(rule.area_prefix)
            if known is None or known.year < rule.year:
                latest[rule.area_prefix] = rule
    return latest[max(latest, key=len)] if latest else None
