"""Type name → model for every public event, and upcasters for retired versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.contracts import appointments, appraisal, billing, claims, health_records, referral, signing
from shared.contracts.base import PublicEvent
from shared.contracts.envelope import Envelope

PUBLIC_EVENTS: dict[str, type[PublicEvent]] = {
    cls.TYPE: cls
    for cls in (
        signing.TeamRegistered,
        signing.TeamMemberJoined,
        signing.TeamMemberLeft,
        signing.ResidentCapChanged,
        signing.ContractSigned,
        signing.ContractRenewed,
        signing.ContractTerminated,
        signing.ContractExpired,
        signing.ResidentErased,
        signing.ContractReinstated,
        health_records.VisitCompleted,
        health_records.LongPrescriptionIssued,
        health_records.FamilySickbedAdmitted,
        health_records.FamilySickbedDischarged,
        health_records.ServiceRated,
        health_records.ReadingOutOfTarget,
        health_records.ReadingForFollowUp,
        appointments.AppointmentBooked,
        appointments.AppointmentRescheduled,
        appointments.AppointmentCancelled,
        appointments.AppointmentAttended,
        appointments.AppointmentMissed,
        appointments.AppointmentReminderDue,
        referral.ReferralIssued,
        referral.ReferralAccepted,
        referral.ReferralDeclined,
        referral.ReferralCompleted,
        referral.DownReferralIssued,
        referral.DownReferralAcknowledged,
        referral.ReferralCancelled,
        referral.ReferralExpired,
        referral.SpecialistSlotBooked,
        referral.SpecialistSlotReleased,
        billing.ContractCharged,
        billing.FeeSettled,
        billing.SettlementReversed,
        billing.WithheldReleased,
        billing.CapitationReconciled,
        billing.CapitationAdvanced,
        billing.PerformancePayDistributed,
        appraisal.AppraisalPublished,
        appraisal.AppraisalRestated,
        claims.ClaimRecorded,
    )
}

# old type name → function giving (newer type name, newer data); applied until current.
Upcaster = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]


def _dropping(newer: str, *free_text: str) -> Upcaster:
    def upcast(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return newer, {k: v for k, v in data.items() if k not in free_text}

    return upcast


def _advancing(newer: str) -> Upcaster:
    """v2 nets the monthly advances: a v1 reconciliation predates them (nothing advanced)."""

    def figures(f: dict[str, Any]) -> dict[str, Any]:
        return f | {"advanced_fen": 0, "balance_due_fen": f["budget_fen"] - f["returned_fen"] + f["covered_fen"]}

    def upcast(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        difference = data.get("difference")
        return newer, data | {"figures": figures(data["figures"]), "difference": difference and figures(difference)}

    return upcast


# v2 of these carries no free text: a doctor or an official writes names, phones and
# identity numbers into any text field, so texts stay in their service, read over its API.
UPCASTERS: dict[str, Upcaster] = {
    "signing.TeamRegistered.v1": _dropping("signing.TeamRegistered.v2", "name"),
    "referral.ReferralIssued.v1": _dropping("referral.ReferralIssued.v2", "department", "reason", "clinical_summary"),
    "referral.ReferralAccepted.v1": _dropping("referral.ReferralAccepted.v2", "department", "doctor"),
    "referral.ReferralDeclined.v1": _dropping("referral.ReferralDeclined.v2", "reason"),
    "referral.ReferralCompleted.v1": _dropping("referral.ReferralCompleted.v2", "summary"),
    "referral.DownReferralIssued.v1": _dropping("referral.DownReferralIssued.v2", "instructions"),
    "referral.ReferralCancelled.v1": _dropping("referral.ReferralCancelled.v2", "reason"),
    "appraisal.AppraisalRestated.v1": _dropping("appraisal.AppraisalRestated.v2", "reason"),
    "billing.CapitationReconciled.v1": _advancing("billing.CapitationReconciled.v2"),
}


class UnknownEventType(ValueError):
    pass


def parse_event(envelope: Envelope) -> PublicEvent:
    """The envelope's data as its (current) public event; raises ValueError when invalid."""
    type_name, data = envelope.type, envelope.data
    while type_name in UPCASTERS:
        type_name, data = UPCASTERS[type_name](data)
    model = PUBLIC_EVENTS.get(type_name)
    if model is None:
        raise UnknownEventType(f"unknown event type {envelope.type!r}")
    return model.model_validate(data)
