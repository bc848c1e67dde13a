"""A referral from a family doctor to a hospital department: its facts and its state.

Every fact carries the referral's routing (whose, from which team, to which hospital,
issued when), so each one can be published on its own to the hospital it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from shared.domain import Personal

Priority = Literal["routine", "urgent", "green_channel"]
Status = Literal[
    "issued",
    "accepted",
    "declined",
    "completed",
    "down_referred",
    "down_referral_acknowledged",
    "cancelled",
    "expired",
]


@dataclass(frozen=True)
class Routing:
    referral_id: str
    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    hospital_id: str
    issued_at: datetime


@dataclass(frozen=True)
class Patient:
    """Who the hospital will treat: supplied by the referring doctor, kept in this store only."""

    identity_number: Personal
    name: Personal
    phone: Personal | None = None


@dataclass(frozen=True)
class ReferralIssued:
    routing: Routing
    patient: Patient
    issued_by: str
    department: str
    priority: Priority
    combined_signing: bool
    reason: Personal
    clinical_summary: Personal
    expires_at: datetime


@dataclass(frozen=True)
class ReferralAccepted:
    routing: Routing
    department: str
    doctor: str
    appointment_at: datetime
    accepted_by: str
    accepted_at: datetime


@dataclass(frozen=True)
class ReferralDeclined:
    routing: Routing
    reason: Personal
    declined_by: str
    declined_at: datetime


@dataclass(frozen=True)
class ReferralCompleted:
    routing: Routing
    summary_kind: Literal["discharge", "consultation"]
    summary: Personal
    completed_by: str
    completed_at: datetime


@dataclass(frozen=True)
class DownReferralIssued:
    routing: Routing
    purpose: Literal["rehabilitation", "follow_up"]
    instructions: Personal
    down_referred_by: str
    down_referred_at: datetime


@dataclass(frozen=True)
class DownReferralAcknowledged:
    routing: Routing
    acknowledged_by: str
    acknowledged_at: datetime


@dataclass(frozen=True)
class ReferralCancelled:
    routing: Routing
    reason: Personal
    cancelled_by: str
    cancelled_at: datetime


@dataclass(frozen=True)
class ReferralExpired:
    routing: Routing
    expired_at: datetime


@dataclass(frozen=True)
class SpecialistSlotBooked:
    """The family doctor booked (or moved) a place in one of the hospital's specialist sources
    for this referral: learnt from health records, which owns the place (see `specialist_slots.py`)."""

    routing: Routing
    appointment_id: str
    doctor_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime
    booked_at: datetime


@dataclass(frozen=True)
class SpecialistSlotReleased:
    """The place was cancelled: the referral carries no slot any more."""

    routing: Routing
    appointment_id: str
    released_at: datetime


Ending = ReferralDeclined | ReferralCancelled | ReferralExpired
Slot = SpecialistSlotBooked | SpecialistSlotReleased
SLOT_FACTS = (SpecialistSlotBooked, SpecialistSlotReleased)
Fact = (
    ReferralIssued
    | ReferralAccepted
    | ReferralCompleted
    | DownReferralIssued
    | DownReferralAcknowledged
    | Ending
    | Slot
)
FACTS = (
    ReferralIssued,
    ReferralAccepted,
    ReferralCompleted,
    DownReferralIssued,
    DownReferralAcknowledged,
    ReferralDeclined,
    ReferralCancelled,
    ReferralExpired,
    SpecialistSlotBooked,
    SpecialistSlotReleased,
)


@dataclass(frozen=True)
class Referral:
    issued: ReferralIssued
    status: Status = "issued"
    accepted: ReferralAccepted | None = None
    completed: ReferralCompleted | None = None
    down_referral: DownReferralIssued | None = None
    acknowledged: DownReferralAcknowledged | None = None
    ended: Ending | None = None  # how it ended without being accepted
    slot: SpecialistSlotBooked | None = None  # the specialist source's place booked for it, if any

    @property
    def routing(self) -> Routing:
        return self.issued.routing

    @property
    def last_step(self) -> tuple[str, datetime]:
        """Its latest step and when it was taken: no later step may be stamped earlier."""
        if self.acknowledged:
            return "acknowledged", self.acknowledged.acknowledged_at
        if self.down_referral:
            return "referred back down", self.down_referral.down_referred_at
        if self.completed:
            return "completed", self.completed.completed_at
        if self.accepted:
            return "accepted", self.accepted.accepted_at
        return "issued", self.routing.issued_at


def evolve(referral: Referral | None, event: object) -> Referral:
    if isinstance(event, ReferralIssued):
        return Referral(event)
    if referral is None:
        raise ValueError(f"{type(event).__name__} before the referral was issued")
    if isinstance(event, SLOT_FACTS):  # the place it carries: no step of its lifecycle
        return replace(referral, slot=event if isinstance(event, SpecialistSlotBooked) else None)
    return _stepped(referral, event)


def _stepped(referral: Referral, event: object) -> Referral:
    match event:
        case ReferralAccepted():
            return replace(referral, status="accepted", accepted=event)
        case ReferralCompleted():
            return replace(referral, status="completed", completed=event)
        case DownReferralIssued():
            return replace(referral, status="down_referred", down_referral=event)
        case DownReferralAcknowledged():
            return replace(referral, status="down_referral_acknowledged", acknowledged=event)
        case ReferralDeclined() | ReferralCancelled() | ReferralExpired():
            return replace(referral, status=_ENDED[type(event)], ended=event)
    raise ValueError(f"{type(event).__name__} does not apply to a referral")


_ENDED: dict[type, Status] = {ReferralDeclined: "declined", ReferralCancelled: "cancelled", ReferralExpired: "expired"}
