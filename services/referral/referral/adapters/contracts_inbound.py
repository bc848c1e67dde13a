"""Signing's contract events, consumed: each becomes a local command (its id the idempotency key)."""

from __future__ import annotations

from collections.abc import Sequence

from referral.application.commands import EndContract, NoteContract, ReinstateContract
from referral.application.contracts import end_contract, note_contract, reinstate_contract
from referral.domain.contracts import Coverage
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import context_for_event
from shared.contracts import PublicEvent
from shared.contracts import signing as public
from shared.erasure import Erasures
from shared.messaging import Delivery
from shared.web.app import Clock

ACTOR = "signing"


class ContractsFromSigning:
    def __init__(self, processor: CommandProcessor, erasures: Erasures, clock: Clock) -> None:
        self._processor, self._erasures, self._clock = processor, erasures, clock

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            if isinstance(delivery.event, public.ResidentErased):
                self._erasures.follow(delivery.envelope, delivery.event, self._clock)
                continue
            work = command_for(delivery.event)
            if work is not None:
                envelope = delivery.envelope  # the command happens when its event did, however late it is read
                self._processor.execute_now(work, context_for_event(envelope, ACTOR, envelope.time))


def command_for(event: PublicEvent) -> Work | None:
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
