"""A resident's appointments with family doctors: booked, moved, cancelled, attended or missed.

One aggregate per resident (their own list, and what stops them holding two places at once);
the place itself is held in the doctor's agenda. Nothing changes once the slot has started but
its outcome, which the team records then: attended or missed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from health_records.domain.errors import (
    AlreadyBooked,
    AppointmentClosed,
    AppointmentNotFound,
    NotStartedYet,
    SlotStarted,
)

Status = Literal["booked", "cancelled", "attended", "missed"]


@dataclass(frozen=True)
class Slot:
    doctor_id: str
    team_id: str
    institution_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AppointmentBooked:
    appointment_id: str
    resident_ref: str
    slot: Slot
    contracted: bool
    booked_by: str
    booked_at: datetime
    referral_id: str | None = None  # the up-referral a specialist source's slot was booked for


@dataclass(frozen=True)
class AppointmentRescheduled:
    appointment_id: str
    resident_ref: str
    slot: Slot
    previous_starts_at: datetime
    contracted: bool
    rescheduled_by: str
    rescheduled_at: datetime


@dataclass(frozen=True)
class AppointmentCancelled:
    appointment_id: str
    resident_ref: str
    slot: Slot
    cancelled_by: str  # a member or resident; or `referral_<how it ended>` when the referral ended
    cancelled_at: datetime


@dataclass(frozen=True)
class AppointmentAttended:
    appointment_id: str
    resident_ref: str
    slot: Slot
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class AppointmentMissed:
    appointment_id: str
    resident_ref: str
    slot: Slot
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class AppointmentReminderDue:
    appointment_id: str
    resident_ref: str
    slot: Slot
    due_at: datetime  # the slot's start less the lead time


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    resident_ref: str
    slot: Slot
    contracted: bool
    booked_at: datetime
    status: Status = "booked"
    reminded: bool = False
    referral_id: str | None = None

    @property
    def at_specialist_source(self) -> bool:
        """A hospital clinic's place, booked for a referral: no team of family doctors holds it."""
        return self.referral_id is not None and not self.slot.team_id


Appointments = MappingProxyType[str, Appointment]
NONE: Appointments = MappingProxyType({})
_OUTCOME: dict[type, Status] = {AppointmentCancelled: "cancelled", AppointmentAttended: "attended"}
_OUTCOME[AppointmentMissed] = "missed"


def evolve(appointments: Appointments, event: object) -> Appointments:
    if isinstance(event, AppointmentBooked):
        e = event
        booked = Appointment(
            e.appointment_id, e.resident_ref, e.slot, e.contracted, e.booked_at, referral_id=e.referral_id
        )
        return MappingProxyType({**appointments, e.appointment_id: booked})
    found = appointments.get(getattr(event, "appointment_id", ""))
    if found is None:
        raise ValueError(f"{type(event).__name__} does not apply to a resident's appointments")
    if isinstance(event, AppointmentRescheduled):
        changed = replace(found, slot=event.slot, contracted=event.contracted, reminded=False)
    elif isinstance(event, AppointmentReminderDue):
        changed = replace(found, reminded=True)
    else:
        changed = replace(found, status=_OUTCOME[type(event)])
    return MappingProxyType({**appointments, found.appointment_id: changed})


def book(appointments: Appointments, booked: AppointmentBooked) -> AppointmentBooked:
    if booked.appointment_id in appointments:
        raise AlreadyBooked("an appointment with this id exists")
    _not_at_once(appointments, booked.slot, booked.appointment_id)
    return booked


def reschedule(  # noqa: PLR0913
    appointments: Appointments, appointment_id: str, to: Slot, contracted: bool, by: str, now: datetime
) -> AppointmentRescheduled:
    a = _open_before_start(appointments, appointment_id, now)
    _not_at_once(appointments, to, appointment_id)
    return AppointmentRescheduled(appointment_id, a.resident_ref, to, a.slot.starts_at, contracted, by, now)


def cancel(appointments: Appointments, appointment_id: str, by: str, now: datetime) -> AppointmentCancelled:
    a = _open_before_start(appointments, appointment_id, now)
    return AppointmentCancelled(appointment_id, a.resident_ref, a.slot, by, now)


def free_for_ended_referral(
    appointments: Appointments, referral_id: str, ended: str, now: datetime
) -> list[AppointmentCancelled]:
    """The referral ended without the visit (`ended`: cancelled, declined, expired): the places
    booked for it and not yet started are cancelled, so others may book them. A place already
    started is the hospital's to record; a cancelled one is not cancelled again."""
    return [
        AppointmentCancelled(a.appointment_id, a.resident_ref, a.slot, f"referral_{ended}", now)
        for a in appointments.values()
        if a.referral_id == referral_id and a.status == "booked" and now < a.slot.starts_at
    ]


def record_outcome(
    appointments: Appointments, appointment_id: str, attended: bool, by: str, now: datetime
) -> AppointmentAttended | AppointmentMissed:
    """Attended or missed: told by the team once the slot has started, never before."""
    a = _open(appointments, appointment_id)
    if now < a.slot.starts_at:
        raise NotStartedYet(f"the appointment starts at {a.slot.starts_at.isoformat()}")
    outcome = AppointmentAttended if attended else AppointmentMissed
    return outcome(appointment_id, a.resident_ref, a.slot, by, now)


def remind(a: Appointment, lead: timedelta, as_of: datetime) -> AppointmentReminderDue | None:
    """Once per booking, when its lead time is over and the slot not yet started."""
    due_at = a.slot.starts_at - lead
    if a.status != "booked" or a.reminded or not due_at <= as_of < a.slot.starts_at:
        return None
    return AppointmentReminderDue(a.appointment_id, a.resident_ref, a.slot, due_at)


def _open(appointments: Appointments, appointment_id: str) -> Appointment:
    a = appointments.get(appointment_id)
    if a is None:
        raise AppointmentNotFound("no such appointment")
    if a.status != "booked":
        raise AppointmentClosed(f"the appointment is {a.status}")
    return a


def _open_before_start(appointments: Appointments, appointment_id: str, now: datetime) -> Appointment:
    a = _open(appointments, appointment_id)
    if now >= a.slot.starts_at:
        raise SlotStarted("the appointment has started: it can no longer be changed")
    return a


def _not_at_once(appointments: Appointments, slot: Slot, moving: str) -> None:
    """No resident holds two places whose times overlap (with any doctor)."""
    for a in appointments.values():
        overlaps = a.slot.starts_at < slot.ends_at and slot.starts_at < a.slot.ends_at
        if a.appointment_id != moving and a.status == "booked" and overlaps:
            raise AlreadyBooked(f"the resident has an appointment at {a.slot.starts_at.isoformat()}")
