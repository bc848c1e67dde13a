"""Year-end capitation reconciliation of a team or institution: budget against spending.

Spending is the outpatient claims of its residents (at its own institution, and the care they
were referred to) plus a referral fee per completed up-referral. A surplus is kept in part and
an overspend borne in part (`SurplusRetention`), each capped at a share of the budget; the
rest goes back to (or is covered by) the fund. Shares are rounded half up to the fen, and the
figures conserve money exactly: retained + returned = surplus, borne + covered = overspend.

A claim arriving after the year was reconciled gives a new reconciliation (the next
`sequence`); its difference from the previous one is the restatement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

from billing.domain.capitation import Budget, Coverage, covering
from billing.domain.capitation_rules import CapitationRule, SurplusRetention
from billing.domain.money import part_of

ClaimKind = Literal["own_outpatient", "referred_care"]


@dataclass(frozen=True)
class Claim:
    claim_id: str
    institution_id: str
    resident_ref: str
    amount_fen: int
    service_date: date
    kind: ClaimKind


@dataclass(frozen=True)
class Spending:
    own_outpatient_fen: int
    referred_care_fen: int
    referrals_completed: int
    referral_fees_fen: int
    by_resident: dict[str, int]  # the claims of each resident: the drill-down

    @property
    def total_fen(self) -> int:
        return self.own_outpatient_fen + self.referred_care_fen + self.referral_fees_fen


def spending(claims: Iterable[Claim], referrals_completed: int, rule: CapitationRule) -> Spending:
    """The subject's spending; a claim counts once however often it arrives (its id)."""
    unique = {c.claim_id: c for c in reversed(list(claims))}  # the first arrival of an id wins
    own = sum(c.amount_fen for c in unique.values() if c.kind == "own_outpatient")
    referred = sum(c.amount_fen for c in unique.values() if c.kind == "referred_care")
    by_resident: dict[str, int] = {}
    for c in unique.values():
        by_resident[c.resident_ref] = by_resident.get(c.resident_ref, 0) + c.amount_fen
    return Spending(own, referred, referrals_completed, referrals_completed * rule.referral_fee_fen, by_resident)


@dataclass(frozen=True)
class Figures:
    budget_fen: int
    own_outpatient_fen: int
    referred_care_fen: int
    referral_fees_fen: int
    spending_fen: int
    surplus_fen: int  # budget - spending; negative is an overspend
    retained_fen: int  # of a surplus, kept by the subject
    returned_fen: int  # of a surplus, back to the fund
    borne_fen: int  # of an overspend, borne by the subject
    covered_fen: int  # of an overspend, covered by the fund
    advanced_fen: int  # paid ahead by the fund in the monthly advances (to institutions only)
    balance_due_fen: int  # budget - returned + covered - advanced: what the fund still owes (negative: is owed)

    def minus(self, earlier: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Reconciliation:
    subject_kind: Literal["team", "institution"]
    subject_id: str
    year: int
    sequence: int  # 0 the first; each restatement the next
    figures: Figures
    restated: Figures | None  # the difference from the previous reconciliation


def figures(budget: Budget, spent: Spending, retention: SurplusRetention, advanced_fen: int = 0) -> Figures:
    """The year's figures; the fund owes the budget less the surplus returned plus the overspend it
    covers (spending + retained - borne), of which `advanced_fen` it paid in the monthly advances."""
    surplus = budget.total_fen - spent.total_fen
    retained = borne = 0
    if surplus >= 0:
        cap = part_of(budget.total_fen, retention.surplus_cap_of_budget)
        retained = min(part_of(surplus, retention.surplus_kept), cap)
    else:
        cap = part_of(budget.total_fen, retention.overspend_cap_of_budget)
        borne = min(part_of(-surplus, retention.overspend_borne), cap)
    return Figures(
        budget.total_fen,
        spent.own_outpatient_fen,
        spent.referred_care_fen,
        spent.referral_fees_fen,
        spent.total_fen,
        surplus,
        retained,
        max(surplus, 0) - retained,
        borne,
        max(-surplus, 0) - borne,
        advanced_fen,
        budget.total_fen - (max(surplus, 0) - retained) + (max(-surplus, 0) - borne) - advanced_fen,
    )


def reconcile(  # noqa: PLR0913
    subject: tuple[Literal["team", "institution"], str],
    budget: Budget,
    spent: Spending,
    retention: SurplusRetention,
    previous: Reconciliation | None = None,
    advanced_fen: int = 0,
) -> Reconciliation | None:
    """The year's reconciliation, or a restatement of `previous`; None when nothing changed
    (the same claims read again restate nothing: reconciling is idempotent)."""
    now = figures(budget, spent, retention, advanced_fen)
    if previous is None:
        return Reconciliation(subject[0], subject[1], budget.year, 0, now, None)
    if previous.figures == now:
        return None
    return Reconciliation(subject[0], subject[1], budget.year, previous.sequence + 1, now, now.minus(previous.figures))


def claims_of(claims: Iterable[Claim], coverages: Iterable[Coverage], year: int) -> list[Claim]:
    """The claims charged to the subject of `coverages`: served in the year, on a day the
    resident was contracted to it (a claim of a day they were not is another team's, or none's).
    The coverages by resident: scanned whole for each claim, an institution's ten thousand
    residents made its reconciliation grow with their square."""
    held: dict[str, list[Coverage]] = {}
    for coverage in coverages:
        held.setdefault(coverage.resident_ref, []).append(coverage)
    return [
        c
        for c in claims
        if c.service_date.year == year and covering(held.get(c.resident_ref, ()), c.resident_ref, c.service_date)
    ]
