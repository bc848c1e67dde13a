"""The one place referral's internal events become public events (relayed to Kafka).

Each public event goes twice, with the same envelope id: to `fdcs.referral.referrals`
(the appraisal reads it) and to the topic of the hospital it concerns, which only that
hospital's Kafka user may read. The patient's identity stays in this service's store.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from referral.application.streams import EVENTS
from referral.domain import referral
from shared.contracts import PublicEvent, topics
from shared.contracts import referral as public
from shared.eventstore import RecordedEvent
from shared.messaging import Message
from shared.messaging.outbound import contract_event, fields_of, internal_event, public_message

SOURCE = "/fdcs/referral"
log = logging.getLogger(__name__)

PUBLIC: dict[type, type[PublicEvent]] = {
    referral.ReferralIssued: public.ReferralIssued,
    referral.ReferralAccepted: public.ReferralAccepted,
    referral.ReferralDeclined: public.ReferralDeclined,
    referral.ReferralCompleted: public.ReferralCompleted,
    referral.DownReferralIssued: public.DownReferralIssued,
    referral.DownReferralAcknowledged: public.DownReferralAcknowledged,
    referral.ReferralCancelled: public.ReferralCancelled,
    referral.ReferralExpired: public.ReferralExpired,
    referral.SpecialistSlotBooked: public.SpecialistSlotBooked,
    referral.SpecialistSlotReleased: public.SpecialistSlotReleased,
}
PUBLISHES = EVENTS.names_under(*referral.FACTS)


def to_public(recorded: RecordedEvent) -> list[Message]:
    internal = internal_event(EVENTS, recorded)
    if not isinstance(internal, referral.FACTS):
        return []  # command receipts; what referral knows of contracts is its own bookkeeping
    model, routing = PUBLIC[type(internal)], internal.routing
    event = contract_event(model, asdict(routing) | fields_of(internal))  # the routing's fields at the top
    key = routing.referral_id
    return [  # by the resident on the shared topic (with their contracts and services), by referral on a hospital's
        public_message(SOURCE, recorded, event, topics.REFERRALS, routing.resident_ref, subject=key),
        public_message(SOURCE, recorded, event, topics.hospital(routing.hospital_id), key),
    ]
