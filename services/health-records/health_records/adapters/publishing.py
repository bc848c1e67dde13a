"""The one place health records' internal events become public events (relayed to Kafka).

Only the services delivered and the ratings leave the service, keyed by the resident's
pseudonymous ref, and only with the fields their contract names: the record itself
(identity number, phone, address, conditions), clinical notes, medicines, sickbed reasons
and rating comments never do.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from health_records.application.streams import EVENTS
from health_records.domain import care_events as internal
from health_records.domain import readings
from shared.contracts import PublicEvent, topics
from shared.contracts import health_records as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import public_message

SOURCE = "/fdcs/health_records"
PUBLISHED: dict[type, type[PublicEvent]] = {
    internal.VisitCompleted: public.VisitCompleted,
    internal.LongPrescriptionIssued: public.LongPrescriptionIssued,
    internal.FamilySickbedAdmitted: public.FamilySickbedAdmitted,
    internal.FamilySickbedDischarged: public.FamilySickbedDischarged,
    internal.ServiceRated: public.ServiceRated,
    readings.ReadingOutOfTarget: public.ReadingOutOfTarget,
}


def to_public(recorded: RecordedEvent) -> list[Message]:
    if not EVENTS.knows(recorded.type):
        return []  # command receipts stay inside the service
    event = EVENTS.decode(recorded.type, recorded.data)
    model = PUBLISHED.get(type(event))
    if model is None:
        return []  # the record, plans, contracts noted, reads: internal
    fields = _flat(asdict(event))  # type: ignore[call-overload]  # every published event is a dataclass
    published = model.model_validate({k: v for k, v in fields.items() if k in model.model_fields})
    return [public_message(SOURCE, recorded, published, topics.HEALTH_SERVICES, fields["resident_ref"])]


def _flat(fields: dict[str, Any]) -> dict[str, Any]:
    """Who it was delivered to and under which contract, and a rating's scores, at the top."""
    under, scores = fields.pop("under"), fields.pop("scores", {})
    return {**fields, **under, **scores}
