"""Correcting a wrongly closed period the way accounting does: nothing settled is rewritten.

Reopening a period reverses every settlement of it and of the periods closed after it (the
close that settled them was one decision), each by a compensating `SettlementReversed` with
its figures negated, and moves the book back to the period before: the charges are open
again, and closing again settles them under a new settlement id. A settlement whose withheld
share an appraisal result has already released is not reversed: that money was paid out, and
only the release's own restatement re-decides it.
"""

from __future__ import annotations

from billing.domain.book import PeriodsReopened
from billing.domain.errors import WithheldAlreadyReleased
from billing.domain.ledger import Ledger, LedgerReopened, PeriodSettled, SettlementReversed, paid_out


def check(ledger: Ledger, period: str) -> None:
    """Refuse to reopen `period` when a withheld share of this ledger's settlements from it on
    was released: that money was paid out. The ledger keeps no settlement before its latest paid
    out (`ledger._forgetting_paid`): a reopening before it names that one, not the earliest."""
    for settlement in released(ledger, period):
        raise WithheldAlreadyReleased(
            f"the withheld share of {settlement.settlement_id} was released: restate the appraisal instead"
        )


def released(ledger: Ledger, period: str) -> list[PeriodSettled]:
    """This ledger's settlements from `period` on whose withheld share a release paid out."""
    return [s for s in _undone(ledger, period) if paid_out(ledger, s)]


def reverse(ledger: Ledger, reopened: PeriodsReopened) -> list[object]:
    """The reversals of this ledger's settlements from the reopened period on, then its reopening."""
    check(ledger, reopened.period)
    reversals: list[object] = [_reversal(s, reopened) for s in _undone(ledger, reopened.period)]
    if ledger.closed_through is not None and ledger.closed_through >= reopened.period:
        reversals.append(LedgerReopened(reopened.through))
    return reversals


def _undone(ledger: Ledger, period: str) -> list[PeriodSettled]:
    return [s for p, s in sorted(ledger.settlements.items()) if p >= period]


def _reversal(s: PeriodSettled, reopened: PeriodsReopened) -> SettlementReversed:
    return SettlementReversed(
        ledger=s.ledger,
        reversal_id=f"rv-{s.settlement_id}",
        reverses_settlement_id=s.settlement_id,
        period=s.period,
        contracts_charged=-s.contracts_charged,
        due_fen=-s.due_fen,
        withheld_fen=-s.withheld_fen,
        adjustments_fen=-s.adjustments_fen,
        payable_fen=-s.payable_fen,
        reason=reopened.reason,
        reversed_at=reopened.reopened_at,
    )
