"""What callers see of appointments: a resident's list, and a doctor's slots with what is free.

Free places are shown to anyone signed in, as counts: who booked them only to the doctor's team.
Reads go to the store, not the command cache, so they show every committed booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.streams import AGENDAS, APPOINTMENTS, CARE
from health_records.domain.agendas import Agenda, Session
from health_records.domain.appointments import Appointment
from health_records.domain.errors import InvalidDates
from shared.eventstore import EventStore
from shared.principal import Principal

MAX_DAYS = 31  # of slots in one answer


def agenda_key(institution_id: str, doctor_id: str, day: date) -> str:
    """Doctors' ids are their institution's (a staff number): the agenda is the institution's doctor's."""
    return f"{institution_id}/{doctor_id}:{day.isoformat()}"


def appointment_view(a: Appointment, version: int) -> dict[str, Any]:
    s = a.slot
    return {
        "appointment_id": a.appointment_id,
        "resident_ref": a.resident_ref,
        "doctor_id": s.doctor_id,
        "team_id": s.team_id,
        "institution_id": s.institution_id,
        "session_id": s.session_id,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "contracted": a.contracted,
        "status": a.status,
        "booked_at": a.booked_at.isoformat(),
        "referral_id": a.referral_id,
        "version": version,
    }


@dataclass(frozen=True)
class AppointmentViews:
    store: EventStore
    zone: ZoneInfo

    async def of_resident(self, who: Principal, ref: str, today: date) -> dict[str, Any]:
        access.screen(who, ref)
        care, _ = CARE.fold(await self.store.read_async(CARE.stream_id(ref)))
        access.may_read(who, ref, care, today)
        mine, version = APPOINTMENTS.fold(await self.store.read_async(APPOINTMENTS.stream_id(ref)))
        ordered = sorted(mine.values(), key=lambda a: a.slot.starts_at)
        return {
            "resident_ref": ref,
            "appointments": [appointment_view(a, version) for a in ordered],
            "version": version,
        }

    def slots(  # noqa: PLR0913
        self, who: Principal, institution_id: str, doctor_id: str, first: date, last: date, now: datetime
    ) -> dict[str, Any]:
        if not 0 <= (last - first).days < MAX_DAYS:
            raise InvalidDates(f"from one day to {MAX_DAYS} days")
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        found = self.store.read_many([AGENDAS.stream_id(agenda_key(institution_id, doctor_id, d)) for d in days])
        sessions = []
        for events in found.values():
            agenda, _ = AGENDAS.fold(events)
            sessions += [_session_view(who, agenda, s, now) for s in agenda.sessions] if agenda else []
        return {
            "institution_id": institution_id,
            "doctor_id": doctor_id,
            "sessions": sorted(sessions, key=lambda s: s["starts_at"]),
        }


def _session_view(who: Principal, agenda: Agenda, s: Session, now: datetime) -> dict[str, Any]:
    open_to_anyone = max(0, agenda.open_to_anyone(s))
    team = who.role == "family_doctor" and who.team_id == s.team_id
    hospital = s.for_referrals and who.role == "hospital" and who.hospital_id == s.institution_id
    slots = []
    for at in s.slots():
        free = s.capacity - agenda.in_slot(at)
        slot = {"starts_at": at.isoformat(), "capacity": s.capacity, "free": free}
        slot["free_to_anyone"] = free if s.released(now) else min(free, open_to_anyone)
        here = [t for t in agenda.taken if t.slot_at == at]
        if team:  # whom to expect: for the team only
            slot["booked"] = [{"appointment_id": t.appointment_id, "resident_ref": t.resident_ref} for t in here]
        elif hospital:  # the referrals it will see: the referral tells it whom
            slot["booked"] = [{"appointment_id": t.appointment_id, "referral_id": t.referral_id} for t in here]
        slots.append(slot)
    return {
        "session_id": s.session_id,
        "team_id": s.team_id,
        "institution_id": s.institution_id,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "reserved": s.reserved,
        "released_at": (s.starts_at - timedelta(minutes=s.cutoff_minutes)).isoformat(),
        "for_referrals": s.for_referrals,
        "slots": slots,
    }
