"""The one place signing's internal events become public events (relayed to Kafka).

A public event takes only the fields its contract names: the resident's identity number
and name stay in signing's store; the public events carry the pseudonymous ref.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, TypeVar

from shared.contracts import PublicEvent, topics
from shared.contracts import signing as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import public_message
from signing.application.streams import EVENTS
from signing.domain import contract, team

SOURCE = "/fdcs/signing"
P = TypeVar("P", bound=PublicEvent)


def to_public(recorded: RecordedEvent) -> list[Message]:
    if not EVENTS.knows(recorded.type):
        return []  # command receipts stay inside the service
    match EVENTS.decode(recorded.type, recorded.data):
        case team.TeamRegistered() as e:
            event: PublicEvent = _public(public.TeamRegistered, e)
            return [public_message(SOURCE, recorded, event, topics.TEAMS, e.team_id)]
        case contract.ContractSigned(resident=r) as e:
            event = _public(
                public.ContractSigned,
                e,
                resident_area_code=r.area_code,
                insurance_bureau_id=r.insurance_bureau_id,
                key_populations=r.key_populations,
                medical_assistance=r.medical_assistance,
            )
            return [public_message(SOURCE, recorded, event, topics.CONTRACTS, e.contract_id)]
    return []  # places and enrolments are internal bookkeeping


def _public(model: type[P], internal: Any, **extra: Any) -> P:
    fields = {k: v for k, v in asdict(internal).items() if k in model.model_fields}
    return model.model_validate(fields | extra)
