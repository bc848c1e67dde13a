"""Capitation rules as data: a JSON file per deployment (per area and year), read at start.

Percentages are decimal strings ("12.5"), money integer fen; a file that does not validate
stops the service at start with the rule and field named.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from billing.adapters.files.fee_rules import ReleaseIn
from billing.domain.capitation_rules import (
    AgeBand,
    CapitationRule,
    CapitationRules,
    Factor,
    PerformancePayRule,
    SurplusRetention,
)
from billing.domain.errors import InvalidCapitationRule
from billing.domain.fee_rules import Payer, ReleaseRule
from shared.contracts.vocabulary import KeyPopulation, MemberRole

DEFAULT = Path(__file__).with_name("capitation_rules.json")
Percent = Decimal
HUNDRED = Fraction(100)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetentionIn(_Strict):
    surplus_kept_percent: Percent = Field(ge=0, le=100, description="Share of a surplus the subject keeps")
    surplus_cap_percent_of_budget: Percent = Field(ge=0, le=100, description="At most this share of its budget")
    overspend_borne_percent: Percent = Field(ge=0, le=100, description="Share of an overspend the subject bears")
    overspend_cap_percent_of_budget: Percent = Field(ge=0, le=100, description="At most this share of its budget")


class AdvancesIn(_Strict):
    percent_of_expected_budget: Percent = Field(ge=0, le=100, description="Advanced during the year")
    months: int = Field(default=12, ge=1, le=12, description="In this many equal monthly parts")


class PerformancePayIn(_Strict):
    pool_percent_of_contract_fee_income: Percent = Field(ge=0, le=100)
    scaling: ReleaseIn = Field(description="How the appraisal score scales the pool (as it releases withheld fees)")
    weights_percent: dict[Factor, Percent] = Field(description="Each factor's share of the pool; adds up to 100")
    role_weights: dict[MemberRole, Decimal] = Field(default={}, description="Leaning to front-line roles; 1 if absent")


class CapitationRuleIn(_Strict):
    area_prefix: str = Field(pattern=r"^(\d{2}){0,6}$", description='"" everywhere, "44" a province, "440106" a county')
    year: int = Field(ge=2000, le=2100, description="In force from this year until a later rule of the same area")
    annual_fen_per_resident: int = Field(ge=0, description="Outpatient fund per contracted resident-year, weight 1")
    payer: Payer = "insurance_fund"
    age_band_weights: dict[AgeBand, Decimal] = Field(default={}, description="1 if absent")
    key_population_weights: dict[KeyPopulation, Decimal] = Field(default={}, description="The highest of a resident's")
    advances: AdvancesIn
    retention: RetentionIn
    referral_fee_fen: int = Field(ge=0, description="Charged to the referring team per completed up-referral")
    performance_pay: PerformancePayIn


class CapitationRulesFile(_Strict):
    source: str
    assumptions: list[str] = []
    rules: list[CapitationRuleIn]


def _share(percent: Decimal) -> Fraction:
    return Fraction(percent) / HUNDRED


def _release(scaling: ReleaseIn) -> ReleaseRule:
    return ReleaseRule(scaling.subject_kind, Fraction(scaling.none_below), Fraction(scaling.full_at))


def _rule(r: CapitationRuleIn) -> CapitationRule:
    t, p = r.retention, r.performance_pay
    return CapitationRule(
        r.area_prefix,
        r.year,
        r.annual_fen_per_resident,
        r.payer,
        {band: Fraction(w) for band, w in r.age_band_weights.items()},
        {label: Fraction(w) for label, w in r.key_population_weights.items()},
        _share(r.advances.percent_of_expected_budget),
        r.advances.months,
        SurplusRetention(
            *map(_share, (t.surplus_kept_percent, t.surplus_cap_percent_of_budget)),
            *map(_share, (t.overspend_borne_percent, t.overspend_cap_percent_of_budget)),
        ),
        r.referral_fee_fen,
        PerformancePayRule(
            _share(p.pool_percent_of_contract_fee_income),
            _release(p.scaling),
            {factor: _share(w) for factor, w in p.weights_percent.items()},
            {role: Fraction(w) for role, w in p.role_weights.items()},
        ),
    )


def to_domain(rules: CapitationRulesFile) -> CapitationRules:
    found = [(r.area_prefix, r.year) for r in rules.rules]
    if len(set(found)) != len(found):
        raise InvalidCapitationRule("two capitation rules for the same area prefix and year")
    return CapitationRules(tuple(map(_named, rules.rules)))


def _named(r: CapitationRuleIn) -> CapitationRule:
    try:
        return _rule(r)
    except InvalidCapitationRule as error:
        raise InvalidCapitationRule(f"capitation rule {r.area_prefix or '*'}/{r.year}: {error}") from error


def load_capitation_rules(path: Path = DEFAULT) -> tuple[CapitationRulesFile, CapitationRules]:
    """The file as published and as rules; a bad file stops the service at start, saying why."""
    try:
        data = CapitationRulesFile.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise InvalidCapitationRule(f"{path.name}: {error}") from error
    return data, to_domain(data)
