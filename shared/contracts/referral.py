"""Public events of the referral service.

Every event goes to `fdcs.referral.referrals` (key: referral id; the appraisal reads it)
and to the topic of the hospital it concerns, `fdcs.referral.hospital.<hospital id>`, which
only that hospital's Kafka user may read. They carry the pseudonymous `resident_ref`, codes
and times only: the patient's identity and every text a doctor writes (reason, clinical
summary, department, doctor, outcome summary, instructions) stay in referral's store, and
the hospital reads them over the API (`GET /referrals/{id}`), authenticated as itself.
The v2 events are v1 without those texts (see the upcasters in `registry.py`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import AreaCode, ResidentRef

Priority = Literal["routine", "urgent", "green_channel"]


class _ReferralFact(PublicEvent):
    referral_id: str
    resident_ref: ResidentRef
    hospital_id: str
    team_id: str = Field(description="The referring family doctor team")
    institution_id: str
    area_code: AreaCode
    issued_at: AwareDatetime = Field(description="When the referral was issued: every event carries it for timing")


class ReferralIssued(_ReferralFact):
    TYPE: ClassVar[str] = "referral.ReferralIssued.v2"

    issued_by: str = Field(description="The referring doctor (team member id)")
    priority: Priority
    combined_signing: bool = Field(description="The hospital is the resident's '1+1+1' choice: priority applies")
    expires_at: AwareDatetime


class ReferralAccepted(_ReferralFact):
    TYPE: ClassVar[str] = "referral.ReferralAccepted.v2"

    appointment_at: AwareDatetime
    accepted_at: AwareDatetime


class ReferralDeclined(_ReferralFact):
    TYPE: ClassVar[str] = "referral.ReferralDeclined.v2"

    declined_at: AwareDatetime


class ReferralCompleted(_ReferralFact):
    TYPE: ClassVar[str] = "referral.ReferralCompleted.v2"

    summary_kind: Literal["discharge", "consultation"]
    completed_at: AwareDatetime


class DownReferralIssued(_ReferralFact):
    """The hospital sends the resident back to the family doctor for rehabilitation or follow-up."""

    TYPE: ClassVar[str] = "referral.DownReferralIssued.v2"

    purpose: Literal["rehabilitation", "follow_up"]
    down_referred_at: AwareDatetime


class DownReferralAcknowledged(_ReferralFact):
    TYPE: ClassVar[str] = "referral.DownReferralAcknowledged.v1"

    acknowledged_by: str
    acknowledged_at: AwareDatetime


class ReferralCancelled(_ReferralFact):
    TYPE: ClassVar[str] = "referral.ReferralCancelled.v2"

    cancelled_at: AwareDatetime


class ReferralExpired(_ReferralFact):
    TYPE: ClassVar[str] = "referral.ReferralExpired.v1"

    expired_at: AwareDatetime


class SpecialistSlotBooked(_ReferralFact):
    """The family doctor booked a place in one of the hospital's specialist sources for this
    referral (the priority appointment of an up-referral), or moved it to `starts_at`: the latest
    one stands. Learnt from health records' `AppointmentBooked`/`AppointmentRescheduled`."""

    TYPE: ClassVar[str] = "referral.SpecialistSlotBooked.v1"

    appointment_id: str
    doctor_id: str = Field(description="The hospital's doctor whose source it is")
    session_id: str = Field(description="`{hospital_id}/{doctor_id}:{session start}`")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    booked_at: AwareDatetime


class SpecialistSlotReleased(_ReferralFact):
    """The place was cancelled: the referral carries no booked slot any more."""

    TYPE: ClassVar[str] = "referral.SpecialistSlotReleased.v1"

    appointment_id: str
    released_at: AwareDatetime
