"""Health records' appointment events as local commands: the referral a specialist-source place
was booked for carries it (the rules and why referral follows rather than books: `domain/specialist_slots.py`)."""

from __future__ import annotations

from typing import Any

from referral.application.commands import CarrySlot, ReleaseSlot
from referral.application.streams import REFERRALS, SPECIALIST_APPOINTMENTS
from referral.domain import specialist_slots
from referral.domain.specialist_slots import SpecialistAppointment
from shared.commands import Session, Work


def carry_slot(command: CarrySlot) -> Work:
    appointment_id = command.place.appointment_id

    def handle(session: Session) -> dict[str, Any]:
        referral_id = command.referral_id or session.load(SPECIALIST_APPOINTMENTS, appointment_id).state
        if referral_id is None:
            return {"referral_id": None}  # an appointment with a family doctor: not referral's concern
        referral = session.load(REFERRALS, referral_id).state
        carried = specialist_slots.carry(referral, command.place, session.context.now)
        if carried:
            if command.referral_id is not None:  # remembered for the moves and the cancellation
                remembered = SpecialistAppointment(appointment_id, referral_id)
                session.record(SPECIALIST_APPOINTMENTS, appointment_id, remembered)
            session.record(REFERRALS, referral_id, *carried)
        return {"referral_id": referral_id, "carried": bool(carried)}

    return Work(handle, reads=[(SPECIALIST_APPOINTMENTS, appointment_id), *_referral(command.referral_id)])


def release_slot(command: ReleaseSlot) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        referral_id = session.load(SPECIALIST_APPOINTMENTS, command.appointment_id).state
        if referral_id is None:
            return {"referral_id": None}
        referral = session.load(REFERRALS, referral_id).state
        released = specialist_slots.release(referral, command.appointment_id, session.context.now)
        if released:
            session.record(REFERRALS, referral_id, *released)
        return {"referral_id": referral_id, "released": bool(released)}

    return Work(handle, reads=[(SPECIALIST_APPOINTMENTS, command.appointment_id)])


def _referral(referral_id: str | None) -> list[tuple[Any, str]]:
    return [(REFERRALS, referral_id)] if referral_id is not None else []
