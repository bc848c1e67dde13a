"""The referral's rules: what may happen next, and the fact it makes.

issued ──accept──▶ accepted ──complete──▶ completed ──down-refer──▶ down_referred ──acknowledge──▶ …acknowledged
  ├──decline──▶ declined        (the hospital)
  ├──cancel───▶ cancelled       (the referring team, before acceptance)
  └──expire───▶ expired         (not accepted in time; the scheduled job)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from referral.domain.contracts import ResidentContracts
from referral.domain.errors import (
    AnswerOverdue,
    AppointmentBeforeAcceptance,
    AsOfInTheFuture,
    GreenChannelUnavailable,
    IllegalTransition,
    NotYetDue,
    StepBeforePreviousStep,
)
from referral.domain.referral import (
    DownReferralAcknowledged,
    DownReferralIssued,
    Patient,
    Priority,
    Referral,
    ReferralAccepted,
    ReferralCancelled,
    ReferralCompleted,
    ReferralDeclined,
    ReferralExpired,
    ReferralIssued,
    Routing,
    Status,
)


@dataclass(frozen=True)
class Draft:
    """What the referring doctor asks for."""

    referral_id: str
    resident_ref: str
    patient: Patient
    team_id: str
    issued_by: str
    hospital_id: str
    department: str
    priority: Priority
    reason: str
    clinical_summary: str


@dataclass(frozen=True)
class Appointment:
    department: str
    doctor: str
    at: datetime


def issue(
    contracts: ResidentContracts, draft: Draft, now: datetime, on: date, answer_within: timedelta
) -> ReferralIssued:
    """A doctor refers a resident contracted with their team; the green channel is open at
    the resident's "1+1+1" hospitals only, where contracted residents have priority."""
    contract = contracts.contract_with(draft.team_id, on)
    combined = draft.hospital_id in contract.hospitals
    if draft.priority == "green_channel" and not combined:
        raise GreenChannelUnavailable(
            f"the green channel is open at the resident's combined-signing hospitals only, not {draft.hospital_id}"
        )
    routing = Routing(
        referral_id=draft.referral_id,
        resident_ref=draft.resident_ref,
        team_id=draft.team_id,
        institution_id=contract.institution_id,
        area_code=contract.area_code,
        hospital_id=draft.hospital_id,
        issued_at=now,
    )
    return ReferralIssued(
        routing=routing,
        patient=draft.patient,
        issued_by=draft.issued_by,
        department=draft.department,
        priority=draft.priority,
        combined_signing=combined,
        reason=draft.reason,
        clinical_summary=draft.clinical_summary,
        expires_at=now + answer_within,
    )


def accept(referral: Referral, appointment: Appointment, by: str, now: datetime) -> ReferralAccepted:
    _require(referral, "issued", "accepted", now)
    if now >= referral.issued.expires_at:
        raise AnswerOverdue(f"the referral had to be accepted by {referral.issued.expires_at.isoformat()}")
    if appointment.at < now:
        raise AppointmentBeforeAcceptance("the appointment must not be earlier than its acceptance")
    return ReferralAccepted(referral.routing, appointment.department, appointment.doctor, appointment.at, by, now)


def decline(referral: Referral, reason: str, by: str, now: datetime) -> ReferralDeclined:
    _require(referral, "issued", "declined", now)
    return ReferralDeclined(referral.routing, reason, by, now)


def complete(
    referral: Referral, kind: Literal["discharge", "consultation"], summary: str, by: str, now: datetime
) -> ReferralCompleted:
    _require(referral, "accepted", "completed", now)
    return ReferralCompleted(referral.routing, kind, summary, by, now)


def down_refer(
    referral: Referral, purpose: Literal["rehabilitation", "follow_up"], instructions: str, by: str, now: datetime
) -> DownReferralIssued:
    _require(referral, "completed", "referred back down", now)
    return DownReferralIssued(referral.routing, purpose, instructions, by, now)


def acknowledge(referral: Referral, by: str, now: datetime) -> DownReferralAcknowledged:
    _require(referral, "down_referred", "acknowledged as a down-referral", now)
    return DownReferralAcknowledged(referral.routing, by, now)


def cancel(referral: Referral, reason: str, by: str, now: datetime) -> ReferralCancelled:
    _require(referral, "issued", "cancelled", now)
    return ReferralCancelled(referral.routing, reason, by, now)


def expire(referral: Referral, as_of: datetime) -> ReferralExpired:
    """Expired at its deadline, whenever the job that notices it runs."""
    _require(referral, "issued", "expired", referral.issued.expires_at)
    if as_of < referral.issued.expires_at:
        raise NotYetDue(f"referral {referral.routing.referral_id} is open until {referral.issued.expires_at}")
    return ReferralExpired(referral.routing, referral.issued.expires_at)


def expiry_run(as_of: datetime, now: datetime) -> datetime:
    """The moment the expiry job runs for, once it has come: a later one would expire referrals
    that may still be accepted."""
    if as_of > now:
        raise AsOfInTheFuture(f"as_of {as_of.isoformat()} is later than now: expire only what is overdue")
    return as_of


def _require(referral: Referral, status: Status, step: str, at: datetime) -> None:
    """The step must follow from the referral's state, and at `at` no earlier than the step before it."""
    referral_id = referral.routing.referral_id
    if referral.status != status:
        raise IllegalTransition(
            f"referral {referral_id} is {referral.status}: only a referral that is {status} can be {step}"
        )
    previous, previous_at = referral.last_step
    if at < previous_at:
        raise StepBeforePreviousStep(
            f"referral {referral_id} cannot be {step} at {at.isoformat()}: "
            f"it was {previous} later, at {previous_at.isoformat()}"
        )
