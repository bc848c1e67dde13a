"""Handlers of appointments: residents (or their team) book, move and cancel places in a doctor's
agenda (see `schedules.py` for how sessions are published); the team records whether the
resident came; a job reminds.

A booking writes the place in the doctor's agenda of that day and the appointment in the
resident's list, in one append: two bookings of the last place both expect the agenda at the
same version, so the store lets one through and the other is decided again, and refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.appointment_views import agenda_key, appointment_view
from health_records.application.clock import today
from health_records.application.commands import (
    BookAppointment,
    CancelAppointment,
    FreeReferralPlaces,
    RecordAppointmentOutcome,
    RemindDue,
    RescheduleAppointment,
)
from health_records.application.streams import AGENDAS, APPOINTMENTS, CARE
from health_records.domain import agendas, appointments
from health_records.domain.agendas import Agenda, PlaceTaken
from health_records.domain.appointments import Appointment, AppointmentBooked, Slot
from health_records.domain.care import Care
from health_records.domain.errors import AppointmentNotFound, AsOfInFuture, NoSuchSlot
from shared.commands import Session, Work
from shared.domain import Forbidden
from shared.principal import Principal


@dataclass(frozen=True)
class Appointments:
    zone: ZoneInfo
    reminder_lead: timedelta

    def book(self, who: Principal, c: BookAppointment) -> Work:
        ref, key = c.resident_ref, agenda_key(c.institution_id, c.doctor_id, self._day(c.starts_at))
        access.screen(who, ref)
        if c.referral_id is not None:
            access.may_book_for_referral(who)

        def handle(session: Session) -> dict[str, Any]:
            care, now = self._booker(session, who, ref), session.context.now
            slot, contracted = self._slot(session.load(AGENDAS, key).state, c.starts_at, care)
            booked = AppointmentBooked(c.appointment_id, ref, slot, contracted, who.subject, now, c.referral_id)
            booked = appointments.book(session.load(APPOINTMENTS, ref).state, booked)
            self._take(session, Appointment(c.appointment_id, ref, slot, contracted, now, referral_id=c.referral_id))
            return appointment_view(*_after(session.record(APPOINTMENTS, ref, booked), c.appointment_id))

        return Work(handle, reads=[(CARE, ref), (AGENDAS, key), (APPOINTMENTS, ref)])

    def reschedule(self, who: Principal, c: RescheduleAppointment) -> Work:
        ref, key = c.resident_ref, agenda_key(c.institution_id, c.doctor_id, self._day(c.starts_at))
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, now = self._booker(session, who, ref), session.context.now
            mine = session.load(APPOINTMENTS, ref, c.expected_version).state
            slot, contracted = self._slot(session.load(AGENDAS, key).state, c.starts_at, care)
            moved = appointments.reschedule(mine, c.appointment_id, slot, contracted, who.subject, now)
            self._free(session, mine[c.appointment_id].slot, c.appointment_id, ref)
            self._take(session, replace(mine[c.appointment_id], slot=slot, contracted=contracted))
            return appointment_view(*_after(session.record(APPOINTMENTS, ref, moved), c.appointment_id))

        return Work(handle, reads=[(CARE, ref), (AGENDAS, key), (APPOINTMENTS, ref)])

    def cancel(self, who: Principal, c: CancelAppointment) -> Work:
        ref = c.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            self._booker(session, who, ref)
            mine = session.load(APPOINTMENTS, ref, c.expected_version).state
            cancelled = appointments.cancel(mine, c.appointment_id, who.subject, session.context.now)
            self._free(session, cancelled.slot, c.appointment_id, ref)
            return appointment_view(*_after(session.record(APPOINTMENTS, ref, cancelled), c.appointment_id))

        return Work(handle, reads=[(CARE, ref), (APPOINTMENTS, ref)])

    def free_for_ended_referral(self, c: FreeReferralPlaces) -> Work:
        """Referral's event, as a local command: no one to screen, the event is the authority."""
        ref = c.resident_ref

        def handle(session: Session) -> dict[str, Any]:
            mine = session.load(APPOINTMENTS, ref).state
            cancelled = appointments.free_for_ended_referral(mine, c.referral_id, c.ended, session.context.now)
            for each in cancelled:
                self._free(session, each.slot, each.appointment_id, ref)
            if cancelled:
                session.record(APPOINTMENTS, ref, *cancelled)
            return {"referral_id": c.referral_id, "cancelled": [each.appointment_id for each in cancelled]}

        return Work(handle, reads=[(APPOINTMENTS, ref)])

    @staticmethod
    def record_outcome(who: Principal, c: RecordAppointmentOutcome) -> Work:
        """By the team the appointment is with, or the hospital whose specialist place it is; to a
        doctor of another team it is as if there were none, to another hospital it is refused (the
        same whether it exists or not: a hospital reaches any resident's ref through this route)."""
        ref = c.resident_ref
        access.may_record_attendance(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            found = session.load(APPOINTMENTS, ref).state.get(c.appointment_id)
            if not access.records_attendance_of(who, found):
                if who.role == "hospital":
                    raise Forbidden("a hospital records attendance at its own specialist places only")
                raise AppointmentNotFound("no such appointment with your team")
            mine = session.load(APPOINTMENTS, ref, c.expected_version).state
            outcome = appointments.record_outcome(mine, c.appointment_id, c.attended, who.subject, session.context.now)
            return appointment_view(*_after(session.record(APPOINTMENTS, ref, outcome), c.appointment_id))

        return Work(handle, reads=[(APPOINTMENTS, ref)])

    @staticmethod
    def reminder_run(who: Principal, as_of: datetime, now: datetime) -> None:
        """Checked before the job lists what is due."""
        access.may_run_schedules(who)
        if as_of > now:
            raise AsOfInFuture("a run is for now or a moment past")

    def remind_due(self, who: Principal, c: RemindDue) -> Work:
        """Each listed appointment once, if its lead time is over: the list may come from a lagging view."""
        access.may_run_schedules(who)

        def handle(session: Session) -> dict[str, Any]:
            reminded = []
            for ref, appointment_id in c.due:
                found = session.load(APPOINTMENTS, ref).state.get(appointment_id)
                due = appointments.remind(found, self.reminder_lead, c.as_of) if found else None
                if due is not None:
                    session.record(APPOINTMENTS, ref, due)
                    reminded.append(appointment_id)
            return {"as_of": c.as_of.isoformat(), "reminded": reminded}

        return Work(handle, reads=[(APPOINTMENTS, ref) for ref in {ref for ref, _ in c.due}])

    def _booker(self, session: Session, who: Principal, ref: str) -> Care | None:
        care = session.load(CARE, ref).state
        access.may_book_for(who, ref, care, today(session, self.zone))
        return care

    def _slot(self, agenda: Agenda | None, starts_at: datetime, care: Care | None) -> tuple[Slot, bool]:
        """The slot at `starts_at`, and whether the resident is contracted with its team that day."""
        if agenda is None:
            raise NoSuchSlot(f"no sessions published on {self._day(starts_at).isoformat()}")
        s = agenda.session_at(starts_at)
        slot = Slot(agenda.doctor_id, s.team_id, s.institution_id, s.session_id, starts_at, _end(starts_at, s))
        day = self._day(starts_at)
        contracted = care is not None and any(c.started.team_id == s.team_id and c.covers(day) for c in care.contracts)
        return slot, contracted

    def _take(self, session: Session, a: Appointment) -> None:
        """The appointment's place in its doctor's agenda."""
        slot, day = a.slot, self._day(a.slot.starts_at)
        place = PlaceTaken(
            slot.doctor_id, day, slot.session_id, slot.starts_at, a.appointment_id, a.resident_ref, a.contracted,
            a.referral_id,
        )  # fmt: skip
        key = agenda_key(slot.institution_id, slot.doctor_id, day)
        session.record(AGENDAS, key, agendas.take(session.load(AGENDAS, key).state, place, session.context.now))

    def _free(self, session: Session, slot: Slot, appointment_id: str, ref: str) -> None:
        key = agenda_key(slot.institution_id, slot.doctor_id, self._day(slot.starts_at))
        session.record(AGENDAS, key, *agendas.free(session.load(AGENDAS, key).state, appointment_id, ref))

    def _day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


def _end(starts_at: datetime, s: agendas.Session) -> datetime:
    return starts_at + timedelta(minutes=s.slot_minutes)


def _after(loaded: Any, appointment_id: str) -> tuple[appointments.Appointment, int]:
    return loaded.state[appointment_id], loaded.version
