"""Appointment bodies and answers: a weekly schedule, a booking, a move, the reminder job's run."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # a day beyond would overflow a cut-off or a zone
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
Moment = Annotated[
    AwareDatetime,
    Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2099, 12, 31, tzinfo=UTC)),
]
LocalTime = Annotated[time, AfterValidator(lambda t: t.replace(tzinfo=None))]  # the institution's wall clock


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ScheduleCreate(_In):
    team_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", examples=["T1"])
    doctor_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", examples=["doc-1"])
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays: 1 is Monday", examples=[[1, 3]])
    starts: LocalTime = Field(description="Local time the session starts", examples=["08:00"])
    ends: LocalTime = Field(
        description="Local time it ends: a whole number of slots after `starts`", examples=["11:30"]
    )
    slot_minutes: int = Field(ge=5, le=240, examples=[15])
    capacity: int = Field(default=1, ge=1, le=50, description="Places in each slot")
    reserved_percent: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Share of the places kept for the team's contracted residents "
        "(the institution's setting; the service's default if absent)",
    )
    cutoff_minutes: int | None = Field(
        default=None,
        ge=0,
        le=14 * 24 * 60,
        description="How long before the session the reserved places are "
        "released to everyone (the institution's setting; the service's default if absent)",
    )
    first_day: Day
    last_day: Day = Field(description="At most 92 days after `first_day`")
    cancelled_days: list[Day] = Field(default=[], max_length=92, description="Days the doctor does not sit")


class SourceCreate(_In):
    clinic_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The hospital's clinic or specialist",
        examples=["cardiology-1"],
    )
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays: 1 is Monday", examples=[[2]])
    starts: LocalTime = Field(examples=["14:00"])
    ends: LocalTime = Field(examples=["16:00"])
    slot_minutes: int = Field(ge=5, le=240, examples=[20])
    capacity: int = Field(default=1, ge=1, le=50)
    first_day: Day
    last_day: Day = Field(description="At most 92 days after `first_day`")
    cancelled_days: list[Day] = Field(default=[], max_length=92)


class SchedulePublished(BaseModel):
    schedule_id: str
    doctor_id: str
    sessions: list[str]


class AppointmentMove(_In):
    institution_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", examples=["CHC-1"])
    doctor_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", examples=["doc-1"])
    starts_at: Moment = Field(description="The slot's start, as the doctor's slots list it")


class AppointmentCreate(AppointmentMove):
    referral_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="For a hospital's specialist source: the up-referral the place is for (family doctors only)",
    )


class AppointmentPublic(BaseModel):
    appointment_id: str
    resident_ref: str
    doctor_id: str
    team_id: str
    institution_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime
    contracted: bool = Field(description="Contracted with the doctor's team: may take a reserved place")
    status: str = Field(examples=["booked", "cancelled", "attended", "missed"])
    booked_at: datetime
    referral_id: str | None = None
    version: int


class AppointmentsPublic(BaseModel):
    resident_ref: str
    appointments: list[AppointmentPublic]
    version: int


class SlotPublic(BaseModel):
    starts_at: datetime
    capacity: int
    free: int = Field(description="Free places, for a resident contracted with the team")
    free_to_anyone: int = Field(description="Free places outside the reserve (all of them once released)")
    booked: list[dict[str, str | None]] | None = Field(
        default=None,
        description="Who is expected: for the team only (a specialist source's: its referrals, for the hospital)",
    )


class SessionPublic(BaseModel):
    session_id: str
    team_id: str
    institution_id: str
    starts_at: datetime
    ends_at: datetime
    reserved: int
    released_at: datetime
    for_referrals: bool = Field(description="A hospital's specialist source: booked by family doctors, for a referral")
    slots: list[SlotPublic]


class SlotsPublic(BaseModel):
    institution_id: str
    doctor_id: str
    sessions: list[SessionPublic]


class ReminderRun(_In):
    as_of: AwareDatetime = Field(
        ge=datetime(2000, 1, 1, tzinfo=UTC), description="Remind what was due at this moment (not later)"
    )
    limit: int = Field(default=500, ge=1, le=5000, description="At most this many in one run; run again if more")


class Reminded(BaseModel):
    as_of: str
    reminded: list[str]
