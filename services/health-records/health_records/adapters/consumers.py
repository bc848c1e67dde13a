"""Signing's and referral's public events, consumed: each becomes a local command, its event id the
idempotency key.

Nothing is written here: the commands' handlers decide, so a redelivered event replays its
first outcome and changes nothing. A refusal (a contract ended that was never noted, say)
is logged with ids only and skipped: retrying it would not change the answer.
"""

from __future__ import annotations

from health_records.application.appointments import Appointments
from health_records.application.commands import (
    FreeReferralPlaces,
    NoteContractEnded,
    NoteContractReinstated,
    NoteContractStarted,
    NoteRoster,
)
from health_records.application.inbound import Inbound
from health_records.domain.care_events import ContractedItem, ContractedPackage, ContractStarted
from health_records.domain.roster import RosterNoted, TeamMember
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import EventCommands, Refused
from shared.contracts import referral, signing
from shared.erasure import Erasures


def signing_events(inbound: Inbound, processor: CommandProcessor, erasures: Erasures) -> EventCommands:
    # A refusal (a contract ended that was never noted, say) is logged with ids and skipped.
    return EventCommands(processor, "signing", lambda d: command_for(inbound, d.event), Refused.SKIP, erasures)


def referral_events(appointments: Appointments, processor: CommandProcessor) -> EventCommands:
    """An up-referral that ends without the visit frees the specialist-source places booked for it:
    referral says it ended, health records owns the places (see referral's `specialist_slots.py`)."""
    return EventCommands(processor, "referral", lambda d: referral_command(appointments, d.event), Refused.SKIP)


def referral_command(appointments: Appointments, event: object) -> Work | None:
    match event:
        case referral.ReferralCancelled():
            ended = "cancelled"
        case referral.ReferralDeclined():
            ended = "declined"
        case referral.ReferralExpired():
            ended = "expired"
        case _:
            return None  # issued, accepted, completed (its place attended), slots carried
    return appointments.free_for_ended_referral(FreeReferralPlaces(event.resident_ref, event.referral_id, ended))


def command_for(inbound: Inbound, event: object) -> Work | None:
    match event:
        case signing.ContractSigned() | signing.ContractRenewed():
            return inbound.note_contract_started(NoteContractStarted(started(event)))
        case signing.ContractTerminated() | signing.ContractExpired():
            reason = event.reason if isinstance(event, signing.ContractTerminated) else "expired"
            ended = NoteContractEnded(event.resident_ref, event.contract_id, reason, event.last_day)
            return inbound.note_contract_ended(ended)
        case signing.ContractReinstated():
            undone = NoteContractReinstated(event.resident_ref, event.contract_id, event.last_day)
            return inbound.note_contract_reinstated(undone)
        case signing.TeamRegistered():
            members = tuple(TeamMember(m.member_id, m.role) for m in event.members)
            return inbound.note_roster(NoteRoster(RosterNoted(event.team_id, event.institution_id, members)))
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
