"""Capitation rules: the outpatient fund paid per contracted resident, per area and year.

After item 8 of the 2016 Guangdong plan (the contracted residents' outpatient fund paid to the
primary institution or team, a referral fee for each referral to hospital) and the 2022
opinions (per-capita outpatient payment with surplus retention); item 7 (a share of the
contract-fee income drawn into a performance-pay pool by the appraisal) lives here too, being
a yearly rule of the same area. The figures are data (`capitation_rules.json`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from billing.domain.errors import InvalidCapitationRule, NoCapitationRule
from billing.domain.fee_rules import Payer, ReleaseRule, in_force

# Contracts carry key-population labels, never birth dates: the age bands are the labels'.
AgeBand = Literal["children", "adult", "elderly"]
Factor = Literal["visits", "follow_ups", "good_ratings", "key_population_residents"]
FACTORS: tuple[Factor, ...] = ("visits", "follow_ups", "good_ratings", "key_population_residents")
ONE = Fraction(1)


@dataclass(frozen=True)
class SurplusRetention:
    """What the team keeps of a surplus and bears of an overspend, each capped at a share of
    its budget (shares as fractions of one)."""

    surplus_kept: Fraction
    surplus_cap_of_budget: Fraction
    overspend_borne: Fraction
    overspend_cap_of_budget: Fraction

    def __post_init__(self) -> None:
        if not all(0 <= s <= ONE for s in vars(self).values()):
            raise InvalidCapitationRule("surplus-retention shares and caps are 0-100%")


@dataclass(frozen=True)
class PerformancePayRule:
    """The pool is `pool_share` of the contract-fee income, scaled by the appraisal score as
    the withheld share is (`scaling`); each factor's `weights` share of the pool is divided by
    the members' counts of it; `role_weights` lean it toward front-line contract work."""

    pool_share: Fraction
    scaling: ReleaseRule
    weights: dict[Factor, Fraction]
    role_weights: dict[str, Fraction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.pool_share <= ONE:
            raise InvalidCapitationRule("the performance-pay pool is 0-100% of the contract-fee income")
        if sum(self.weights.values(), Fraction(0)) != ONE or any(w < 0 for w in self.weights.values()):
            raise InvalidCapitationRule("the contribution weights must add up to 100%")
        if any(w < 0 for w in self.role_weights.values()):
            raise InvalidCapitationRule("role weights are not negative")

    def role_weight(self, role: str) -> Fraction:
        return self.role_weights.get(role, ONE)


@dataclass(frozen=True)
class CapitationRule:
    area_prefix: str
    year: int
    annual_fen: int
    payer: Payer
    age_band_weights: dict[AgeBand, Fraction]
    key_population_weights: dict[str, Fraction]
    advance_share: Fraction  # of the expected budget, paid in `advance_months` equal parts
    advance_months: int
    retention: SurplusRetention
    referral_fee_fen: int
    performance_pay: PerformancePayRule

    def __post_init__(self) -> None:
        if self.annual_fen < 0 or self.referral_fee_fen < 0:
            raise InvalidCapitationRule("amounts are not negative")
        weights = [*self.age_band_weights.values(), *self.key_population_weights.values()]
        if any(w <= 0 for w in weights):
            raise InvalidCapitationRule("weights are positive")
        if not 0 <= self.advance_share <= ONE or not 1 <= self.advance_months <= 12:
            raise InvalidCapitationRule("advances are 0-100% in 1-12 months")

    def weight(self, key_populations: Iterable[str]) -> Fraction:
        """The resident's age band weight times the highest weight of their other labels."""
        labels = set(key_populations)
        band: AgeBand = "elderly" if "elderly" in labels else "children" if "children" in labels else "adult"
        conditions = [self.key_population_weights[k] for k in labels if k in self.key_population_weights]
        return self.age_band_weights.get(band, ONE) * max(conditions, default=ONE)


@dataclass(frozen=True)
class CapitationRules:
    rules: tuple[CapitationRule, ...]

    def for_(self, area_code: str, year: int) -> CapitationRule:
        rule = in_force(self.rules, area_code, year)
        if rule is None:
            raise NoCapitationRule(f"no capitation rule covers area {area_code} in {year}")
        return rule
