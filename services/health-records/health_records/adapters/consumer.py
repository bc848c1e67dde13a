"""Signing's public events, consumed: each becomes a local command, its event id the idempotency key.

Nothing is written here: the commands' handlers decide, so a redelivered event replays its
first outcome and changes nothing. A refusal (a contract ended that was never noted, say)
is logged with ids only and skipped: retrying it would not change the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from health_records.application.commands import (
    NoteContractEnded,
    NoteContractReinstated,
    NoteContractStarted,
    NoteRoster,
)
from health_records.application.inbound import Inbound
from health_records.domain.care_events import ContractedItem, ContractedPackage, ContractStarted
from health_records.domain.roster import RosterNoted, TeamMember
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import context_for_event
from shared.contracts import signing
from shared.domain import DomainError
from shared.erasure import Erasures
from shared.messaging import Delivery
from shared.web.app import Clock, utc_now

log = logging.getLogger(__name__)
ACTOR = "signing"


class SigningEvents:
    def __init__(
        self, inbound: Inbound, processor: CommandProcessor, erasures: Erasures, clock: Clock = utc_now
    ) -> None:
        self._inbound, self._processor, self._erasures, self._clock = inbound, processor, erasures, clock

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            if isinstance(delivery.event, signing.ResidentErased):
                self._erasures.follow(delivery.envelope, delivery.event, self._clock)
                continue
            work = self._work(delivery.event)
            if work is None:
                continue
            context = context_for_event(delivery.envelope, ACTOR, delivery.envelope.time)  # when it happened
            try:
                self._processor.execute_now(work, context)
            except DomainError as refused:
                log.warning("%s %s refused: %s", delivery.envelope.type, delivery.envelope.id, refused.code)

    def _work(self, event: object) -> Work | None:
        match event:
            case signing.ContractSigned() | signing.ContractRenewed():
                return self._inbound.note_contract_started(NoteContractStarted(started(event)))
            case signing.ContractTerminated() | signing.ContractExpired():
                reason = event.reason if isinstance(event, signing.ContractTerminated) else "expired"
                ended = NoteContractEnded(event.resident_ref, event.contract_id, reason, event.last_day)
                return self._inbound.note_contract_ended(ended)
            case signing.ContractReinstated():
                undone = NoteContractReinstated(event.resident_ref, event.contract_id, event.last_day)
                return self._inbound.note_contract_reinstated(undone)
            case signing.TeamRegistered():
                members = tuple(TeamMember(m.member_id, m.role) for m in event.members)
                return self._inbound.note_roster(NoteRoster(RosterNoted(event.team_id, event.institution_id, members)))
        return None


def started(e: signing.ContractSigned | signing.ContractRenewed) -> ContractStarted:
    if isinstance(e, signing.ContractRenewed):
        renews, at = e.renews_contract_id, e.renewed_at
    else:
        renews, at = None, e.signed_at
    return ContractStarted(
        contract_id=e.contract_id,
        resident_ref=e.resident_ref,
        team_id=e.team_id,
        institution_id=e.institution_id,
        area_code=e.area_code,
        packages=tuple(
            ContractedPackage(p.code, tuple(ContractedItem(i.code, i.times_per_year) for i in p.items))
            for p in e.packages
        ),
        key_populations=tuple(e.key_populations),
        starts_on=e.starts_on,
        ends_on=e.ends_on,
        renews_contract_id=renews,
        started_at=at,
    )
