"""Fee rules as data: a JSON file per deployment (per area and year), read at start."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.domain.fee_rules import FeeRule, FeeRules, Payer, ReleaseRule

DEFAULT = Path(__file__).with_name("fee_rules.json")
Percent = Decimal


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReleaseIn(_Strict):
    subject_kind: Literal["institution", "team"] = Field(
        default="institution", description="Whose appraisal result releases the withheld share"
    )
    none_below: Percent = Field(default=Decimal(0), ge=0, le=100, description="A score below this releases nothing")
    full_at: Percent = Field(default=Decimal(100), gt=0, le=100, description="A score from this releases everything")


class FeeRuleIn(_Strict):
    area_prefix: str = Field(pattern=r"^(\d{2}){0,6}$", description='"" everywhere, "44" a province, "440106" a county')
    year: int = Field(ge=2000, le=2100, description="In force from this year until a later rule of the same area")
    shares_percent: dict[Payer, Percent] = Field(description="Each payer's percent of the annual fee; adds up to 100")
    withheld_percent: dict[Payer, Percent] = Field(default={}, description="Percent of a payer's due held back")
    release: ReleaseIn = ReleaseIn()


class FeeRulesFile(_Strict):
    source: str
    rules: list[FeeRuleIn]


def to_domain(rules: FeeRulesFile) -> FeeRules:
    return FeeRules(
        tuple(
            FeeRule(
                r.area_prefix,
                r.year,
                {payer: Fraction(p) for payer, p in r.shares_percent.items()},
                {payer: Fraction(p) for payer, p in r.withheld_percent.items()},
                ReleaseRule(r.release.subject_kind, Fraction(r.release.none_below), Fraction(r.release.full_at)),
            )
            for r in rules.rules
        )
    )


def load_fee_rules(path: Path = DEFAULT) -> tuple[FeeRulesFile, FeeRules]:
    """The file as published (for the API) and as rules; a bad file stops the service at start."""
    data = FeeRulesFile.model_validate_json(path.read_bytes())
    return data, to_domain(data)
