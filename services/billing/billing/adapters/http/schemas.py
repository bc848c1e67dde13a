"""Request and response bodies of the billing API (documented in OpenAPI)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.web.bounds import MONTH_ONLY


class PeriodClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(
        default=None,
        pattern=MONTH_ONLY,
        description="Close every period up to this one (its first month); defaults to the last one over by as_of",
        examples=["2026-03"],
    )
    as_of: date | None = Field(
        default=None, ge=date(2000, 1, 1), description="The day the close runs for; defaults to today, never later"
    )


class PeriodsClosed(BaseModel):
    closed_through: str | None
    already_closed: bool
    settlements: int = Field(description="FeeSettled events this close produced")
    payable_fen: int
    withheld_fen: int


class PeriodReopening(BaseModel):
    """Why a closed period is reopened: a code (it travels to the bureaus), never text."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "closed_too_early"}]})

    reason: Literal["closed_too_early", "wrong_period", "operator_error"]


class PeriodsReopened(BaseModel):
    closed_through: str = Field(description="The book is closed through the period before the one reopened")
    reversals: int = Field(description="SettlementReversed events: one per settlement undone")
    payable_fen: int = Field(description="The reversed settlements' payable, negated")
    withheld_fen: int
    ledgers_kept: int = Field(
        description="Ledgers left settled as they stood: an appraisal result released a withheld share of theirs "
        "after the reopening was checked (restate the appraisal to correct them)"
    )


class SettlementBook(BaseModel):
    closed_through: str | None
    ledgers: int = Field(description="Payer and institution ledgers known")


class FigureRow(BaseModel):
    period: str
    payer: str
    bureau_id: str | None
    institution_id: str
    area_code: str
    contracts_charged: int
    due_fen: int
    settled_fen: int = Field(description="Payable: due - withheld + adjustments")
    withheld_fen: int
    released_fen: int = Field(description="Withheld shares released in this period")
    forfeited_fen: int = Field(
        description="Withheld shares not released (forfeited) in this period: the appraisal's score was too low"
    )
    adjusted_fen: int


class OpenRow(BaseModel):
    period: str
    payer: str
    bureau_id: str | None
    institution_id: str
    area_code: str
    contracts_charged: int
    due_fen: int = Field(description="Charged so far, refunds deducted")
    adjusted_fen: int = Field(description="Late charges of earlier periods booked so far")
    settled: bool = Field(False, description="Always false: not settled yet, the figures may still change")


class OpenFigures(BaseModel):
    rows: list[OpenRow] = Field(description="The page's groups charged and not settled")
    totals: dict[str, int] = Field(description="Of the whole scope, every page's open rows summed")


class Figures(BaseModel):
    rows: list[FigureRow] = Field(description="The page's groups that settlements or releases stand for")
    totals: dict[str, int] = Field(
        description="Of the whole scope, every page's rows summed, by figure (each `*_fen` and `contracts_charged`)"
    )
    open: OpenFigures = Field(description="Charges of groups not settled yet (an open period), marked not settled")
    released_for_period: dict[str, int] = Field(
        description="`released_fen` and `forfeited_fen` of the withheld shares by the appraisal of the period's "
        "year, whichever settlement period booked them (results are published the January after)"
    )
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class ChargeRow(BaseModel):
    charge_id: str
    contract_id: str
    resident_ref: str
    contract_year: int
    period: str
    amount_fen: int
    reason: str
    payer: str
    bureau_id: str | None
    institution_id: str
    area_code: str


class Charges(BaseModel):
    items: list[ChargeRow] = Field(description="One page, by institution, period, payer and contract")
    contracts: int = Field(description="Of the whole scope: contracts charged, per period, payer and institution")
    total_fen: int = Field(description="Of the whole scope")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class Reconciliation(BaseModel):
    scope: dict[str, str | None]
    fee_settled_events: int
    fee_settled_totals: dict[str, int]
    view_totals: dict[str, int]
    mismatched_count: int = Field(description="Settlements whose figures are not their group's charges'")
    mismatched: list[dict[str, Any]] = Field(description="The first `limit` of them, by group")
    unsettled_count: int = Field(description="Groups charged in periods not settled yet")
    unsettled: list[dict[str, Any]] = Field(description="The first `limit` of them, by group")
    balanced: bool = Field(description="No settlement mismatched")


class FeedPage(BaseModel):
    items: list[dict[str, Any]] = Field(description="Each with its position and the CloudEvents envelope")
    next_after: int = Field(description="Pass as `after` to read on; keep it durably")


class CapitationReconciling(BaseModel):
    year: int
    reconciled: int = Field(description="Teams and institutions reconciled for the first time")
    restated: int = Field(description="Reconciliations restated (their figures changed since: late claims)")
    subjects: int = Field(description="Teams and institutions reconciled for the year, all told")
    institutions: int = Field(description="Institutions of the year, each reconciled by a command of its own")


class CapitationAdvancing(BaseModel):
    year: int
    month: int
    advanced: int = Field(description="Institutions advanced the month by this call (0 when all were already)")
    amount_fen: int = Field(description="The advances booked by this call, all told")
    institutions: int = Field(description="Institutions of the year, each advanced by a command of its own")


class CapitationArea(BaseModel):
    area_code: str = Field(description="An institution's area for the jobs: the least its teams are named with")
    institutions: int = Field(description="The year's institutions of this area")


class CapitationAreas(BaseModel):
    year: int
    areas: list[CapitationArea] = Field(description="Each area an institution of the year is of, by area code")


class CapitationFiguresOut(BaseModel):
    budget_fen: int
    own_outpatient_fen: int
    referred_care_fen: int
    referral_fees_fen: int
    spending_fen: int
    surplus_fen: int = Field(description="budget - spending; negative is an overspend")
    retained_fen: int
    returned_fen: int
    borne_fen: int
    covered_fen: int
    advanced_fen: int = Field(description="Paid ahead in the monthly advances (an institution's; a team's is 0)")
    balance_due_fen: int = Field(description="budget - returned + covered - advanced: what the fund still owes")


class CapitationRow(BaseModel):
    reconciliation_id: str
    subject_kind: Literal["team", "institution"]
    subject_id: str
    institution_id: str
    area_code: str
    bureau_id: str | None
    year: int
    sequence: int = Field(description="0 the first reconciliation; each restatement the next")
    restates_reconciliation_id: str | None
    residents: int
    referrals_completed: int
    figures: CapitationFiguresOut
    difference: CapitationFiguresOut | None = Field(description="From the previous reconciliation; null at 0")


class CapitationRows(BaseModel):
    rows: list[CapitationRow] = Field(description="The latest reconciliation of each team and institution in scope")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class ResidentRow(BaseModel):
    resident_ref: str
    contracted_days: int
    budget_fen: int = Field(description="The resident's part of the budget (largest remainder: adds up to it)")
    spending_fen: int = Field(description="The resident's claims charged to the subject")


class CapitationResidents(BaseModel):
    reconciliation_id: str
    items: list[ResidentRow]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class PerformancePayDistributing(BaseModel):
    year: int
    distributed: int = Field(description="Teams whose pool was distributed for the first time")
    restated: int = Field(description="Distributions restated (a restated appraisal, late contributions)")
    unchanged: int = Field(description="Teams distributed before whose figures did not change")
    awaiting_appraisal: list[str] = Field(description="Teams in scope whose annual appraisal is not published yet")
    pool_fen: int = Field(description="Σ the pools recorded by this run")


class MemberShareOut(BaseModel):
    member_id: str
    role: str
    counts: dict[str, int] = Field(description="Visits, follow-ups, good ratings, key-population residents served")
    quota_fen: str = Field(description="The exact share before rounding to the fen, as a fraction n/d")
    amount_fen: int
    difference_fen: int | None = Field(description="amount - the previous distribution's; null at the first")


class HowComputed(BaseModel):
    contract_fee_income_fen: int
    score: str = Field(description="The team's annual appraisal score (0-100)")
    pool_share: str = Field(description="Of the income into the pool: the rule's share x the score's scaling (n/d)")
    pool_fen: int
    undistributed_fen: int
    factor_weights: dict[str, str] = Field(description="Each factor's share of the pool (n/d), as the rule says")
    role_weight: str | None = Field(description="The member's role's weight (n/d); null for a team")
    team_counts: dict[str, int] = Field(description="The team's totals of each factor")


class MemberPerformancePay(BaseModel):
    distribution_id: str
    team_id: str
    year: int
    sequence: int
    appraisal_result_id: str
    share: MemberShareOut
    computed: HowComputed


class TeamPool(BaseModel):
    distribution_id: str
    team_id: str
    institution_id: str
    area_code: str
    year: int
    sequence: int
    score: str = Field(description="The team's annual appraisal score (0-100)")
    contract_fee_income_fen: int
    pool_fen: int = Field(description="Drawn into the pool by the score; 0 below the rule's threshold")
    undistributed_fen: int
    members: int = Field(description="Members given a share")


class TeamPools(BaseModel):
    teams: list[TeamPool] = Field(description="The latest distribution of each team in scope, by team")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class TeamPerformancePay(BaseModel):
    distribution_id: str
    team_id: str
    institution_id: str
    area_code: str
    year: int
    sequence: int
    restates_distribution_id: str | None
    appraisal_result_id: str
    computed: HowComputed
    shares: list[MemberShareOut]
