"""The one place health records' internal events become public events (relayed to Kafka).

Only the services delivered, the ratings, device readings out of target or counting for follow-up,
and the appointments (on their own topic) leave the service, keyed by the resident's pseudonymous
ref, and only with the fields their contract names: the record itself (identity number, phone,
address, conditions), clinical notes, medicines, sickbed reasons and rating comments never do.
"""

from __future__ import annotations

from typing import Any

from health_records.application.streams import EVENTS
from health_records.domain import appointments as booking
from health_records.domain import care_events as internal
from health_records.domain import readings
from shared.contracts import PublicEvent, topics
from shared.contracts import appointments as public_appointments
from shared.contracts import health_records as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import contract_event, fields_of, internal_event, public_message

SOURCE = "/fdcs/health_records"
PUBLISHED: dict[type, type[PublicEvent]] = {
    internal.VisitCompleted: public.VisitCompleted,
    internal.LongPrescriptionIssued: public.LongPrescriptionIssued,
    internal.FamilySickbedAdmitted: public.FamilySickbedAdmitted,
    internal.FamilySickbedDischarged: public.FamilySickbedDischarged,
    internal.ServiceRated: public.ServiceRated,
    readings.ReadingOutOfTarget: public.ReadingOutOfTarget,
    readings.ReadingForFollowUp: public.ReadingForFollowUp,  # for the appraisal's follow-up and control
}
# A notification channel follows these on their own topic, without the services' volume.
APPOINTMENTS: dict[type, type[PublicEvent]] = {
    booking.AppointmentBooked: public_appointments.AppointmentBooked,
    booking.AppointmentRescheduled: public_appointments.AppointmentRescheduled,
    booking.AppointmentCancelled: public_appointments.AppointmentCancelled,
    booking.AppointmentAttended: public_appointments.AppointmentAttended,
    booking.AppointmentMissed: public_appointments.AppointmentMissed,
    booking.AppointmentReminderDue: public_appointments.AppointmentReminderDue,
}
PUBLISHES = EVENTS.names_under(*APPOINTMENTS, *PUBLISHED)


def to_public(recorded: RecordedEvent) -> list[Message]:
    event = internal_event(EVENTS, recorded)  # None for a command receipt: it stays inside the service
    if type(event) in APPOINTMENTS:
        model, topic = APPOINTMENTS[type(event)], topics.APPOINTMENTS
        fields = _flat(fields_of(event), "slot")
    elif type(event) in PUBLISHED:
        model, topic = PUBLISHED[type(event)], topics.HEALTH_SERVICES
        fields = _flat(fields_of(event), "under", "scores")
    else:
        return []  # the record, plans, contracts noted, reads, agendas: internal
    published = contract_event(model, fields)
    return [public_message(SOURCE, recorded, published, topic, fields["resident_ref"])]


def _flat(fields: dict[str, Any], *nested: str) -> dict[str, Any]:
    """Who it was delivered to and under which contract, a rating's scores, an appointment's slot:
    at the top."""
    inner = [fields.pop(name, None) or {} for name in nested]
    return {k: v for part in (fields, *inner) for k, v in part.items()}
