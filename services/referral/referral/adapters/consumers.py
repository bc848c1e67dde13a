"""Events in: signing's contract events and health records' appointment events, each a local
command (`EventCommands`: the event's id the idempotency key; a refusal goes to the dead letters).

A specialist-source place booked, moved or cancelled becomes a command on the referral it was
booked for."""

from __future__ import annotations

from referral.application.commands import CarrySlot, EndContract, NoteContract, ReinstateContract, ReleaseSlot
from referral.application.contracts import end_contract, note_contract, reinstate_contract
from referral.application.specialist_slots import carry_slot, release_slot
from referral.domain.contracts import Coverage
from referral.domain.specialist_slots import Place
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import EventCommands
from shared.contracts import PublicEvent, appointments
from shared.contracts import signing as public
from shared.erasure import Erasures


def contracts_from_signing(processor: CommandProcessor, erasures: Erasures) -> EventCommands:
    return EventCommands(processor, "signing", lambda d: contract_command(d.event), erasures=erasures)


def appointments_from_health_records(processor: CommandProcessor) -> EventCommands:
    return EventCommands(processor, "health-records", lambda d: appointment_command(d.event))


def contract_command(event: PublicEvent) -> Work | None:
    match event:
        case public.ContractSigned() | public.ContractRenewed():
            combined = event.combined_signing
            coverage = Coverage(
                event.contract_id,
                event.team_id,
                event.institution_id,
                event.area_code,
                event.starts_on,
                event.ends_on,
                (combined.secondary_hospital_id, combined.tertiary_hospital_id) if combined else (),
            )
            return note_contract(NoteContract(event.resident_ref, coverage))
        case public.ContractTerminated() | public.ContractExpired():
            return end_contract(EndContract(event.resident_ref, event.contract_id, event.last_day))
        case public.ContractReinstated():
            return reinstate_contract(ReinstateContract(event.resident_ref, event.contract_id))
    return None  # teams, and whatever else shares the topic


def appointment_command(event: PublicEvent) -> Work | None:
    match event:
        case appointments.AppointmentBooked(referral_id=str(referral_id)):
            return carry_slot(CarrySlot(_place(event), referral_id))
        case appointments.AppointmentRescheduled():  # a move names no referral: the booking is remembered
            return carry_slot(CarrySlot(_place(event), None))
        case appointments.AppointmentCancelled():
            return release_slot(ReleaseSlot(event.appointment_id))
    return None  # bookings with family doctors, outcomes, reminders


def _place(e: appointments.AppointmentBooked | appointments.AppointmentRescheduled) -> Place:
    return Place(e.appointment_id, e.resident_ref, e.institution_id, e.doctor_id, e.session_id, e.starts_at, e.ends_at)
