"""What callers ask of the referral service. Ids and times come in with the command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from referral.domain.contracts import Coverage
from referral.domain.lifecycle import Appointment, Draft
from referral.domain.specialist_slots import Place


@dataclass(frozen=True)
class IssueReferral:
    draft: Draft
    on: date  # the local date the resident's contract must be in force


@dataclass(frozen=True)
class AcceptReferral:
    appointment: Appointment


@dataclass(frozen=True)
class DeclineReferral:
    reason: str


@dataclass(frozen=True)
class CompleteReferral:
    summary_kind: Literal["discharge", "consultation"]
    summary: str


@dataclass(frozen=True)
class ReferBackDown:
    purpose: Literal["rehabilitation", "follow_up"]
    instructions: str


@dataclass(frozen=True)
class AcknowledgeDownReferral:
    pass


@dataclass(frozen=True)
class CancelReferral:
    reason: str


Step = AcceptReferral | DeclineReferral | CompleteReferral | ReferBackDown | AcknowledgeDownReferral | CancelReferral


@dataclass(frozen=True)
class ExpireOverdue:
    """The scheduled job: expire these referrals if still unanswered at `as_of`."""

    referral_ids: tuple[str, ...]
    as_of: datetime


@dataclass(frozen=True)
class NoteContract:
    """From signing: a contract started (signed or renewed)."""

    resident_ref: str
    coverage: Coverage


@dataclass(frozen=True)
class ReinstateContract:
    """From signing: a wrongly expired contract is in force again."""

    resident_ref: str
    contract_id: str


@dataclass(frozen=True)
class EndContract:
    """From signing: a contract ended (terminated, or expired unrenewed)."""

    resident_ref: str
    contract_id: str
    last_day: date


@dataclass(frozen=True)
class CarrySlot:
    """From health records: a specialist-source place booked for `referral_id` (None: moved)."""

    place: Place
    referral_id: str | None


@dataclass(frozen=True)
class ReleaseSlot:
    """From health records: an appointment cancelled (a specialist place, if it was one)."""

    appointment_id: str
