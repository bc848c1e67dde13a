"""Public events of appointments with family doctors (topic `fdcs.health_records.appointments`).

What a notification channel follows to remind residents, and what the appraisal may count:
ids and times only, keyed by `resident_ref`. Who booked and why never leave the service.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from shared.contracts.base import PublicEvent
from shared.contracts.vocabulary import ResidentRef


class _Appointment(PublicEvent):
    """Every appointment fact names the resident, the doctor and the slot."""

    appointment_id: str
    resident_ref: ResidentRef
    doctor_id: str
    team_id: str
    institution_id: str
    session_id: str = Field(description="`{institution_id}/{doctor_id}:{session start}`")
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class AppointmentBooked(_Appointment):
    """A place taken in a doctor's slot, by the resident or their team; or in a hospital clinic's
    specialist source (`institution_id` the hospital's), by the family doctor for a referral."""

    TYPE: ClassVar[str] = "health_records.AppointmentBooked.v1"

    contracted: bool = Field(description="Contracted with the doctor's team: the reserved share was open to them")
    booked_at: AwareDatetime
    referral_id: str | None = Field(
        description="A hospital's specialist source: the up-referral the family doctor booked it for"
    )


class AppointmentRescheduled(_Appointment):
    """Moved to the slot named (`starts_at`); the place at `previous_starts_at` is free again."""

    TYPE: ClassVar[str] = "health_records.AppointmentRescheduled.v1"

    previous_starts_at: AwareDatetime
    contracted: bool
    rescheduled_at: AwareDatetime


class AppointmentCancelled(_Appointment):
    TYPE: ClassVar[str] = "health_records.AppointmentCancelled.v1"

    cancelled_at: AwareDatetime


class AppointmentAttended(_Appointment):
    """The resident came: recorded by the doctor's team once the slot had started."""

    TYPE: ClassVar[str] = "health_records.AppointmentAttended.v1"

    recorded_at: AwareDatetime


class AppointmentMissed(_Appointment):
    """The resident did not come (a no-show): recorded by the doctor's team."""

    TYPE: ClassVar[str] = "health_records.AppointmentMissed.v1"

    recorded_at: AwareDatetime


class AppointmentReminderDue(_Appointment):
    """The lead time before the appointment is over: time to remind the resident. Once per booking
    (again after a move to another time)."""

    TYPE: ClassVar[str] = "health_records.AppointmentReminderDue.v1"

    due_at: AwareDatetime = Field(description="`starts_at` less the service's reminder lead time")
