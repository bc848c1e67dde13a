"""Health records' appointment events, consumed: a specialist-source place booked, moved or
cancelled becomes a local command on the referral it was booked for (its id the idempotency key)."""

from __future__ import annotations

from collections.abc import Sequence

from referral.application.commands import CarrySlot, ReleaseSlot
from referral.application.specialist_slots import carry_slot, release_slot
from referral.domain.specialist_slots import Place
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import context_for_event
from shared.contracts import PublicEvent
from shared.contracts import appointments as public
from shared.messaging import Delivery

ACTOR = "health-records"


class AppointmentsFromHealthRecords:
    def __init__(self, processor: CommandProcessor) -> None:
        self._processor = processor

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            work = command_for(delivery.event)
            if work is not None:
                envelope = delivery.envelope
                self._processor.execute_now(work, context_for_event(envelope, ACTOR, envelope.time))


def command_for(event: PublicEvent) -> Work | None:
    match event:
        case public.AppointmentBooked(referral_id=str(referral_id)):
            return carry_slot(CarrySlot(_place(event), referral_id))
        case public.AppointmentRescheduled():  # a move names no referral: the booking is remembered
            return carry_slot(CarrySlot(_place(event), None))
        case public.AppointmentCancelled():
            return release_slot(ReleaseSlot(event.appointment_id))
    return None  # bookings with family doctors, outcomes, reminders


def _place(e: public.AppointmentBooked | public.AppointmentRescheduled) -> Place:
    return Place(e.appointment_id, e.resident_ref, e.institution_id, e.doctor_id, e.session_id, e.starts_at, e.ends_at)
