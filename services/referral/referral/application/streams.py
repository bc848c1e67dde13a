"""How referral's aggregates are kept in its store: stream prefixes, event names, folds."""

from __future__ import annotations

from referral.domain import contracts, referral, specialist_slots
from shared.erasure import erasures
from shared.eventstore.streams import EventTypes, StreamType

EVENTS = EventTypes("referral")
for event_class in (
    referral.ReferralIssued,
    referral.ReferralAccepted,
    referral.ReferralDeclined,
    referral.ReferralCompleted,
    referral.DownReferralIssued,
    referral.DownReferralAcknowledged,
    referral.ReferralCancelled,
    referral.ReferralExpired,
    contracts.ContractNoted,
    contracts.ContractEnded,
    contracts.ContractReinstated,
    contracts.ResidentReferred,
    referral.SpecialistSlotBooked,
    referral.SpecialistSlotReleased,
    specialist_slots.SpecialistAppointment,
):
    EVENTS.register(event_class)

REFERRALS: StreamType[referral.Referral | None] = StreamType("referral", None, referral.evolve, EVENTS)
RESIDENTS: StreamType[contracts.ResidentContracts] = StreamType(
    "resident", contracts.ResidentContracts(), contracts.evolve, EVENTS
)
SPECIALIST_APPOINTMENTS: StreamType[str | None] = StreamType(
    "specialist-appointment", None, specialist_slots.evolve_booking, EVENTS
)
ERASURES = erasures(EVENTS)
