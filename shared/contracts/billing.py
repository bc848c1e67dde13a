"""Public events of the billing service: what each payer owes each institution.

Insurance bureaus read `fdcs.billing.bureau.<bureau id>` (key: institution id, so one
institution's settlements stay in order); only that bureau's Kafka user may read it. The
other payers' settlements, and every charge, are on `fdcs.billing.settlements`.
Money is integer fen.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import AreaCode, ResidentRef

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
