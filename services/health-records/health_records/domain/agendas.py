"""A doctor's agenda for one local day: the sessions their institution published, and the places
taken in the sessions' slots.

One aggregate per doctor and day, so two bookings of the last place append at the same version
of the same stream and the store lets one of them through. A share of each session's places is
kept for residents contracted with the doctor's team until a cut-off before the session starts;
from that moment on every free place is anyone's. A hospital's specialist source is an agenda
too, whose places only a family doctor books, for a referral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise

from health_records.domain.errors import (
    AlreadyBooked,
    ForReferralsOnly,
    NoSuchSlot,
    ReservedForContracted,
    SessionsOverlap,
    SlotFull,
    SlotStarted,
)


@dataclass(frozen=True)
class Session:
    session_id: str
    schedule_id: str
    institution_id: str
    team_id: str
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int
    capacity: int  # places in each slot
    reserved_percent: int  # of the session's places, kept for the team's contracted residents
    cutoff_minutes: int  # ...until this long before the session starts
    for_referrals: bool = False  # a hospital's specialist source: booked by family doctors, for a referral

    def slots(self) -> list[datetime]:
        step = timedelta(minutes=self.slot_minutes)
        return [self.starts_at + i * step for i in range((self.ends_at - self.starts_at) // step)]

    @property
    def places(self) -> int:
        return len(self.slots()) * self.capacity

    @property
    def reserved(self) -> int:
        return self.places * self.reserved_percent // 100

    def released(self, now: datetime) -> bool:
        """At the cut-off itself the reserved places are everyone's."""
        return now >= self.starts_at - timedelta(minutes=self.cutoff_minutes)


@dataclass(frozen=True)
class SessionsPublished:
    doctor_id: str
    day: date
    sessions: tuple[Session, ...]


@dataclass(frozen=True)
class PlaceTaken:
    doctor_id: str
    day: date
    session_id: str
    slot_at: datetime
    appointment_id: str
    resident_ref: str
    contracted: bool  # with the session's team, when booked: may hold a reserved place
    referral_id: str | None = None


@dataclass(frozen=True)
class PlaceFreed:
    doctor_id: str
    day: date
    appointment_id: str
    resident_ref: str


@dataclass(frozen=True)
class Agenda:
    doctor_id: str
    day: date
    sessions: tuple[Session, ...] = ()
    taken: tuple[PlaceTaken, ...] = ()

    def session_at(self, slot_at: datetime) -> Session:
        for s in self.sessions:
            if slot_at in s.slots():
                return s
        raise NoSuchSlot(f"doctor {self.doctor_id} has no slot starting at {slot_at.isoformat()}")

    def in_slot(self, slot_at: datetime) -> int:
        return sum(1 for t in self.taken if t.slot_at == slot_at)

    def open_to_anyone(self, session: Session) -> int:
        """Free places outside the reserved share: contracted residents fill the reserve first."""
        mine = [t for t in self.taken if t.session_id == session.session_id]
        contracted = sum(1 for t in mine if t.contracted)
        return session.places - session.reserved - (len(mine) - contracted) - max(0, contracted - session.reserved)


def evolve(agenda: Agenda | None, event: object) -> Agenda:
    if isinstance(event, SessionsPublished):
        current = agenda or Agenda(event.doctor_id, event.day)
        ordered = sorted((*current.sessions, *event.sessions), key=lambda s: s.starts_at)
        return replace(current, sessions=tuple(ordered))
    if agenda is not None and isinstance(event, PlaceTaken):
        return replace(agenda, taken=(*agenda.taken, event))
    if agenda is not None and isinstance(event, PlaceFreed):
        return replace(agenda, taken=tuple(t for t in agenda.taken if t.appointment_id != event.appointment_id))
    raise ValueError(f"{type(event).__name__} does not apply to a doctor's agenda")


def publish(agenda: Agenda | None, doctor_id: str, day: date, sessions: tuple[Session, ...]) -> SessionsPublished:
    ordered = sorted((*(agenda.sessions if agenda else ()), *sessions), key=lambda s: s.starts_at)
    for before, after in pairwise(ordered):
        if after.starts_at < before.ends_at:
            raise SessionsOverlap(f"doctor {doctor_id} already has a session at {after.starts_at.isoformat()}")
    return SessionsPublished(doctor_id, day, sessions)


def take(agenda: Agenda | None, place: PlaceTaken, now: datetime) -> PlaceTaken:
    """The place, if the slot has room for this resident now; else the rule that says no."""
    if agenda is None:
        raise NoSuchSlot(f"no sessions published for {place.doctor_id} on {place.day.isoformat()}")
    session = agenda.session_at(place.slot_at)
    if place.slot_at <= now:
        raise SlotStarted("the slot has started")
    if any(t.resident_ref == place.resident_ref and t.session_id == session.session_id for t in agenda.taken):
        raise AlreadyBooked("the resident already has a place in this session")
    if session.for_referrals and place.referral_id is None:
        raise ForReferralsOnly("a specialist source's places are booked by a family doctor for a referral")
    if agenda.in_slot(place.slot_at) >= session.capacity:
        raise SlotFull("no place left in this slot")
    if not place.contracted and not session.released(now) and agenda.open_to_anyone(session) <= 0:
        raise ReservedForContracted(f"the places left are for the team's residents until {_cutoff(session)}")
    return replace(place, session_id=session.session_id)


def free(agenda: Agenda | None, appointment_id: str, resident_ref: str) -> list[PlaceFreed]:
    held = agenda is not None and any(t.appointment_id == appointment_id for t in agenda.taken)
    return [PlaceFreed(agenda.doctor_id, agenda.day, appointment_id, resident_ref)] if agenda and held else []


def _cutoff(session: Session) -> str:
    return (session.starts_at - timedelta(minutes=session.cutoff_minutes)).isoformat()
