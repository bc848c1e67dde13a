"""The one place signing's internal events become public events (relayed to Kafka).

A public event takes only the fields its contract names: the resident's identity number
and name stay in signing's store; the public events carry the pseudonymous ref.
Places, enrolments, agreements and a renewed contract's continuation stay internal:
the public `ContractRenewed` names the contract it continues. A resident's erasure goes
on the contracts topic (which every service that keeps residents' data reads), keyed by
the resident.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, TypeVar

from shared.contracts import PublicEvent, topics
from shared.contracts import signing as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import contract_event, fields_of, internal_event, public_message
from signing.application.streams import EVENTS
from signing.domain import contract, erasure, team

SOURCE = "/fdcs/signing"
P = TypeVar("P", bound=PublicEvent)


TEAM_EVENTS = (team.TeamRegistered, team.MemberJoined, team.MemberLeft, team.CapChanged)
CONTRACT_EVENTS = (
    contract.ContractSigned,
    contract.ContractTerminated,
    contract.ContractExpired,
    contract.ContractReinstated,
)
PUBLISHES = EVENTS.names_under(*TEAM_EVENTS, *CONTRACT_EVENTS, erasure.ResidentErased)  # a renewal is a signing


def to_public(recorded: RecordedEvent) -> list[Message]:
    event = internal_event(EVENTS, recorded)  # None for a command receipt: it stays inside the service
    if isinstance(event, TEAM_EVENTS):
        return [public_message(SOURCE, recorded, _team_event(event), topics.TEAMS, event.team_id)]
    if isinstance(event, CONTRACT_EVENTS):
        published = _contract_event(event)  # keyed by the resident: ordered with their erasure and other facts
        key = published.resident_ref
        return [public_message(SOURCE, recorded, published, topics.CONTRACTS, key, subject=event.contract_id)]
    if isinstance(event, erasure.ResidentErased):  # the reason and who asked stay in the audit
        erased = public.ResidentErased(resident_ref=event.resident_ref, erased_at=event.erased_at)
        return [public_message(SOURCE, recorded, erased, topics.CONTRACTS, event.resident_ref)]
    return []  # places, enrolments, agreements, continuations


ContractFact = (
    public.ContractSigned
    | public.ContractRenewed
    | public.ContractTerminated
    | public.ContractExpired
    | public.ContractReinstated
)


def _contract_event(event: object) -> ContractFact:
    match event:
        case contract.ContractRenewed(resident=r, signed_at=at):
            return _public(public.ContractRenewed, event, renewed_at=at, **_resident(r))
        case contract.ContractSigned(resident=r):
            return _public(public.ContractSigned, event, **_resident(r))
        case contract.ContractTerminated():
            return _public(public.ContractTerminated, event)
        case contract.ContractExpired():
            return _public(public.ContractExpired, event)
        case contract.ContractReinstated():
            return _public(public.ContractReinstated, event)
    raise TypeError(f"no public event for {type(event).__name__}")


def _team_event(event: object) -> PublicEvent:
    match event:
        case team.TeamRegistered():
            return _public(public.TeamRegistered, event)
        case team.MemberJoined(member=m):
            return _public(public.TeamMemberJoined, event, member=asdict(m))
        case team.MemberLeft():
            return _public(public.TeamMemberLeft, event)
        case team.CapChanged():
            return _public(public.ResidentCapChanged, event)
    raise TypeError(f"no public event for {type(event).__name__}")


def _resident(r: contract.ResidentParty) -> dict[str, Any]:
    return {
        "resident_area_code": r.area_code,
        "insurance_bureau_id": r.insurance_bureau_id,
        "key_populations": r.key_populations,
        "medical_assistance": r.medical_assistance,
    }


def _public(model: type[P], internal: object, **extra: Any) -> P:
    return contract_event(model, fields_of(internal), **extra)
