"""Request and response bodies of the referral API (documented in OpenAPI with examples)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.referral import Priority

# A hospital's id names its Kafka topic and its consumer groups: letters, digits, - and _
# only, so that a dot can end an ACL prefix (see docs/security.md).
HospitalId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["H3-4401"])]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatientIn(_In):
    identity_number: str = Field(pattern=r"^\d{17}[\dXx]$", examples=["11010519491231002X"])
    name: str = Field(min_length=1, max_length=50, examples=["Li Hua"])
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$", examples=["13800138000"])


class ReferralCreate(_In):
    patient: PatientIn
    hospital_id: HospitalId
    department: Name = Field(examples=["cardiology"])
    priority: Priority = "routine"
    reason: Text = Field(examples=["Uncontrolled hypertension despite two drugs"])
    clinical_summary: Text = Field(examples=["BP 168/102 on amlodipine and losartan; headache for a week."])


class AcceptanceIn(_In):
    appointment_at: AwareDatetime
    department: Name
    doctor: Name = Field(examples=["Dr Wang"])


class ReasonIn(_In):
    reason: Text


class CompletionIn(_In):
    summary_kind: Literal["discharge", "consultation"]
    summary: Text


class DownReferralIn(_In):
    purpose: Literal["rehabilitation", "follow_up"]
    instructions: Text = Field(examples=["Weekly BP for a month, then monthly."])


class ExpiryRun(_In):
    as_of: AwareDatetime = Field(
        ge=datetime(2000, 1, 1, tzinfo=UTC), description="Expire what was still unanswered at this moment (not later)"
    )
    limit: int = Field(default=500, ge=1, le=5000, description="At most this many in one run; run again if more")


class Expired(BaseModel):
    as_of: str
    expired: list[str]


class Timing(BaseModel):
    issued_at: str
    expires_at: str
    accepted_at: str | None
    appointment_at: str | None
    completed_at: str | None
    minutes_to_acceptance: int | None
    minutes_to_appointment: int | None
    minutes_appointment_to_completion: int | None
    times_out_of_order: bool = Field(
        default=False, description="A step stamped before the one it follows (recorded before that was refused)"
    )


class SpecialistSlot(BaseModel):
    """The place the family doctor booked for the referral in one of the hospital's specialist
    sources (in health records, which owns it)."""

    appointment_id: str
    doctor_id: str
    session_id: str
    starts_at: str
    ends_at: str
    booked_at: str


class ReferralPublic(BaseModel):
    referral_id: str
    version: int
    status: str
    resident_ref: str
    patient: dict[str, Any]
    team_id: str
    institution_id: str
    area_code: str
    issued_by: str
    hospital_id: str
    department: str
    priority: Priority
    combined_signing: bool
    reason: str
    clinical_summary: str
    appointment: dict[str, Any] | None
    specialist_slot: SpecialistSlot | None = None
    outcome: dict[str, Any] | None
    timing: Timing


class ReferralListed(BaseModel):
    referral_id: str
    version: int
    status: str
    hospital_id: str
    team_id: str
    resident_ref: str
    department: str
    priority: Priority
    combined_signing: bool
    issued_at: str
    expires_at: str
    accepted_at: str | None
    appointment_at: str | None
    completed_at: str | None


class FeedItem(BaseModel):
    position: int
    event: dict[str, Any] = Field(description="The CloudEvents envelope, as on the hospital's Kafka topic")


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_after: int = Field(description="Pass as `after` to read on; keep it to resume after downtime")
