"""Releasing the withheld share when an appraisal result is published, in proportion to the score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from billing.domain.fee_rules import ReleaseRule
from billing.domain.ledger import Ledger, WithheldReleased, withheld_pot
from billing.domain.money import part_of


@dataclass(frozen=True)
class AppraisalResult:
    result_id: str
    restates_result_id: str | None
    period: str
    subject_kind: str
    subject_id: str
    institution_id: str
    score: Fraction


def release(ledger: Ledger, result: AppraisalResult, rule: ReleaseRule, now: datetime) -> WithheldReleased | None:
    """Pay out the withheld pot of the appraised period (and subject), by the score."""
    if result.subject_kind != rule.subject_kind:
        return None
    release_id = f"rl-{result.period}-{result.subject_id}-{ledger.ref.key}"
    earlier = ledger.releases.get(release_id)
    if earlier is not None:  # a restatement (or a second result): re-decide the same pot
        pot = earlier.withheld_fen
    else:
        pot = sum(w.amount_fen for w in withheld_pot(ledger, result.period, result.subject_kind, result.subject_id))
        if pot == 0:
            return None
    released = part_of(pot, rule.fraction(result.score))
    return WithheldReleased(
        ledger.ref,
        release_id,
        result.result_id,
        result.period,
        result.subject_kind,
        result.subject_id,
        pot,
        released,
        pot - released,
        now,
    )
