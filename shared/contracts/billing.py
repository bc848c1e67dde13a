"""Public events of the billing service: what each payer owes each institution.

Insurance bureaus read `fdcs.billing.bureau.<bureau id>` (key: institution id, so one
institution's settlements stay in order); only that bureau's Kafka user may read it. The
other payers' settlements, and every charge, are on `fdcs.billing.settlements`.
Capitation advances and reconciliations travel there too, and on the residents' bureau's topic (key:
institution id); performance-pay distributions too (key: institution id), to the institution's stream.
Money is integer fen.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import AreaCode, MemberRole, ResidentRef

Payer = Literal["insurance_fund", "public_health_fund", "resident", "local_finance", "medical_assistance"]
Period = str  # "2026-03" for a monthly period


class ContractCharged(PublicEvent):
    """One payer's share of one contract year, or its pro-rata refund (negative)."""

    TYPE: ClassVar[str] = "billing.ContractCharged.v1"

    charge_id: str
    contract_id: str
    resident_ref: ResidentRef
    payer: Payer
    bureau_id: str | None = Field(description="The resident's insurance bureau, for the insurance fund's share")
    institution_id: str
    area_code: AreaCode
    contract_year: int = Field(ge=1, le=3)
    period: Period = Field(pattern=r"^\d{4}-\d{2}$")
    amount_fen: int
    reason: Literal["annual_fee", "pro_rata_refund", "late_adjustment"]
    charged_at: AwareDatetime


class FeeSettled(PublicEvent):
    """A closed period's settlement between one payer and one institution."""

    TYPE: ClassVar[str] = "billing.FeeSettled.v1"

    settlement_id: str
    period: Period = Field(pattern=r"^\d{4}-\d{2}$")
    payer: Payer
    bureau_id: str | None
    institution_id: str
    area_code: AreaCode
    contracts_charged: int = Field(ge=0)
    due_fen: int = Field(description="Charges of the period, refunds deducted")
    withheld_fen: int = Field(ge=0, description="Held back until the appraisal result")
    adjustments_fen: int = Field(description="Late charges of earlier, closed periods")
    payable_fen: int = Field(description="due - withheld + adjustments")
    settled_at: AwareDatetime


class SettlementReversed(PublicEvent):
    """A settlement undone: an administrator reopened its period (it was closed by mistake).
    The figures are the settlement's, negated, so the sum over a payer's stream stays exact;
    closing the period again settles it anew (a new `settlement_id`)."""

    TYPE: ClassVar[str] = "billing.SettlementReversed.v1"

    reversal_id: str
    reverses_settlement_id: str
    period: Period = Field(pattern=r"^\d{4}-\d{2}$")
    payer: Payer
    bureau_id: str | None
    institution_id: str
    area_code: AreaCode
    contracts_charged: int = Field(le=0)
    due_fen: int
    withheld_fen: int = Field(le=0)
    adjustments_fen: int
    payable_fen: int
    reason: Literal["closed_too_early", "wrong_period", "operator_error"]
    reversed_at: AwareDatetime


class WithheldReleased(PublicEvent):
    """After an appraisal result, the withheld share is paid in proportion to the score."""

    TYPE: ClassVar[str] = "billing.WithheldReleased.v1"

    release_id: str
    appraisal_result_id: str
    appraisal_period: str
    payer: Payer
    bureau_id: str | None
    institution_id: str
    area_code: AreaCode
    withheld_fen: int = Field(ge=0)
    released_fen: int = Field(ge=0)
    forfeited_fen: int = Field(ge=0)
    released_at: AwareDatetime


class CapitationFigures(BaseModel):
    """A year's capitation figures (or their difference from the previous reconciliation)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    budget_fen: int = Field(description="Σ capitation over the residents' contracted days")
    own_outpatient_fen: int
    referred_care_fen: int
    referral_fees_fen: int
    spending_fen: int = Field(description="own outpatient + referred care + referral fees")
    surplus_fen: int = Field(description="budget - spending; negative is an overspend")
    retained_fen: int = Field(description="Of a surplus, kept by the team or institution")
    returned_fen: int = Field(description="Of a surplus, back to the fund")
    borne_fen: int = Field(description="Of an overspend, borne by the team or institution")
    covered_fen: int = Field(description="Of an overspend, covered by the fund")
    advanced_fen: int = Field(description="Paid ahead by the fund in the monthly advances (an institution's)")
    balance_due_fen: int = Field(
        description="budget - returned + covered - advanced: what the fund still owes (negative: is owed)"
    )


class CapitationReconciled(PublicEvent):
    """A team's or institution's year-end capitation reconciliation, or its restatement
    when late claims arrive (the next `sequence`, with the difference from the previous); it
    nets the monthly advances (v2: `advanced_fen`, `balance_due_fen`)."""

    TYPE: ClassVar[str] = "billing.CapitationReconciled.v2"

    reconciliation_id: str
    subject_kind: Literal["team", "institution"]
    subject_id: str
    institution_id: str
    area_code: AreaCode
    payer: Payer
    bureau_id: str | None
    year: int = Field(ge=2000, le=2100)
    sequence: int = Field(ge=0, description="0 the first reconciliation; each restatement the next")
    restates_reconciliation_id: str | None
    residents: int = Field(ge=0, description="Residents contracted some day of the year")
    referrals_completed: int = Field(ge=0)
    figures: CapitationFigures
    difference: CapitationFigures | None = Field(description="figures - the previous reconciliation's; null at 0")
    reconciled_at: AwareDatetime


class CapitationAdvanced(PublicEvent):
    """The insurance fund's monthly capitation advance to an institution: the rule's share of its
    budget for the residents contracted with its teams in the month; the year-end reconciliation
    nets the advances."""

    TYPE: ClassVar[str] = "billing.CapitationAdvanced.v1"

    advance_id: str
    institution_id: str
    area_code: AreaCode
    payer: Payer
    bureau_id: str | None
    period: Period = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The month advanced (YYYY-MM)")
    residents: int = Field(ge=0, description="Residents contracted some day of the month")
    budget_fen: int = Field(ge=0, description="The month's capitation budget")
    advance_fen: int = Field(ge=0, description="The share of it advanced")
    advanced_at: AwareDatetime


class MemberShare(BaseModel):
    """One member's share of the pool and the counts it was computed from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str
    role: MemberRole
    visits: int = Field(ge=0)
    follow_ups: int = Field(ge=0)
    good_ratings: int = Field(ge=0)
    key_population_residents: int = Field(ge=0)
    amount_fen: int = Field(ge=0)
    difference_fen: int | None = Field(default=None, description="amount - the previous distribution's; null at 0")


class PerformancePayDistributed(PublicEvent):
    """A team's performance-pay pool for a year, drawn from its contract-fee income by its
    appraisal score and distributed to its members (also those who left) by contribution;
    the shares add up to the pool unless nobody contributed (then all is undistributed)."""

    TYPE: ClassVar[str] = "billing.PerformancePayDistributed.v1"

    distribution_id: str
    team_id: str
    institution_id: str
    area_code: AreaCode
    year: int = Field(ge=2000, le=2100)
    appraisal_result_id: str
    sequence: int = Field(default=0, ge=0, description="0 the first distribution; each restatement the next")
    restates_distribution_id: str | None = None
    score: Decimal = Field(ge=0, le=100, decimal_places=2)
    contract_fee_income_fen: int = Field(ge=0)
    pool_fen: int = Field(ge=0)
    undistributed_fen: int = Field(ge=0)
    shares: list[MemberShare]
    distributed_at: AwareDatetime
