"""An up-referral carries the specialist-source place its family doctor booked for it.

Health records owns the place (the hospital's agenda, no double booking); referral owns what a
referral carries. So referral follows health records' appointment events rather than booking
through itself: each fact keeps one owner, and booking needs no call between the services. A
booking names its referral; a later move or cancellation names only the appointment, so the
booking is remembered under the appointment's id (`SpecialistAppointment`).

What does not fit the referral (another hospital, another resident, a referral already over)
is ignored: the place is the hospital's to honour or cancel, and an event must not be refused
for ever by its consumer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referral.domain.referral import Referral, SpecialistSlotBooked, SpecialistSlotReleased

OPEN = ("issued", "accepted")  # before the hospital has seen the patient


@dataclass(frozen=True)
class Place:
    """A place in a hospital's specialist source, as health records published it."""

    appointment_id: str
    resident_ref: str
    hospital_id: str  # the appointment's institution
    doctor_id: str
    session_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class SpecialistAppointment:
    """Which referral an appointment was booked for (its stream is keyed by the appointment)."""

    appointment_id: str
    referral_id: str


def evolve_booking(_: str | None, event: object) -> str:
    assert isinstance(event, SpecialistAppointment)
    return event.referral_id


def carry(referral: Referral | None, place: Place, at: datetime) -> list[SpecialistSlotBooked]:
    """The referral now carries `place` (booked, or moved to another time)."""
    if not _fits(referral, place):
        return []
    assert referral is not None
    if referral.slot is not None and (referral.slot.appointment_id, referral.slot.starts_at) == (
        place.appointment_id,
        place.starts_at,
    ):
        return []  # already carried
    p = place
    return [SpecialistSlotBooked(referral.routing, p.appointment_id, p.doctor_id, p.session_id, *_times(p), at)]


def _times(place: Place) -> tuple[datetime, datetime]:
    return place.starts_at, place.ends_at


def release(referral: Referral | None, appointment_id: str, at: datetime) -> list[SpecialistSlotReleased]:
    """The place was cancelled: the referral no longer carries it (a later one may have replaced it)."""
    if referral is None or referral.slot is None or referral.slot.appointment_id != appointment_id:
        return []
    return [SpecialistSlotReleased(referral.routing, appointment_id, at)]


def _fits(referral: Referral | None, place: Place) -> bool:
    if referral is None or referral.status not in OPEN:
        return False
    r = referral.routing
    return r.hospital_id == place.hospital_id and r.resident_ref == place.resident_ref
