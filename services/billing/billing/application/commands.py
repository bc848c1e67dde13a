"""What billing is asked to do: by signing's and appraisal's events, and by the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from billing.domain.account import ContractTerms
from billing.domain.release import AppraisalResult


@dataclass(frozen=True)
class ChargeContract:
    """A contract started (signed or renewed): charge each of its years."""

    terms: ContractTerms


@dataclass(frozen=True)
class ReinstateContract:
    """A wrongly expired contract is in force again."""

    contract_id: str


@dataclass(frozen=True)
class EndContract:
    """A contract ended: early (terminated) or at its term (expired)."""

    contract_id: str
    reason: str
    last_day: date
    known_on: date


@dataclass(frozen=True)
class ReleaseWithheld:
    result: AppraisalResult


@dataclass(frozen=True)
class ReopenPeriods:
    """Reopen `period` and every later closed one (an operator's correction)."""

    period: str
    reason: str


@dataclass(frozen=True)
class ClosePeriods:
    """Close every period up to `period`, on `today` (the scheduler's as_of)."""

    period: str
    today: date
