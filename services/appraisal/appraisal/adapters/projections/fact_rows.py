"""What each public event becomes in appraisal's fact tables: the one mapping from the
other services' contracts to the facts the indicators read (None for what it does not use)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table

from appraisal.adapters.projections.facts_tables import (
    APPOINTMENT_STEPS,
    CARE,
    CONTRACT_ENDS,
    CONTRACT_STARTS,
    RATINGS,
    READINGS,
    REFERRAL_STEPS,
    TEAM_CHANGES,
    TEAMS,
    VISITS,
    city_of,
)
from shared.contracts import appointments as booking
from shared.contracts import health_records as care
from shared.contracts import referral, signing
from shared.contracts.base import PublicEvent
from shared.messaging import Delivery

_STEPS: dict[type[PublicEvent], tuple[str, str]] = {
    referral.ReferralIssued: ("issued", "issued_at"),
    referral.ReferralAccepted: ("accepted", "accepted_at"),
    referral.ReferralDeclined: ("declined", "declined_at"),
    referral.ReferralCompleted: ("completed", "completed_at"),
    referral.ReferralCancelled: ("cancelled", "cancelled_at"),
    referral.ReferralExpired: ("expired", "expired_at"),
    referral.DownReferralIssued: ("down_issued", "down_referred_at"),
    referral.DownReferralAcknowledged: ("down_acknowledged", "acknowledged_at"),
    referral.SpecialistSlotBooked: ("slot_booked", "booked_at"),
    referral.SpecialistSlotReleased: ("slot_released", "released_at"),
}
_APPOINTMENT_STEPS: dict[type[PublicEvent], tuple[str, str]] = {  # reminders change nothing the appraisal counts
    booking.AppointmentBooked: ("booked", "booked_at"),
    booking.AppointmentRescheduled: ("rescheduled", "rescheduled_at"),
    booking.AppointmentCancelled: ("cancelled", "cancelled_at"),
    booking.AppointmentAttended: ("attended", "recorded_at"),
    booking.AppointmentMissed: ("missed", "recorded_at"),
}
# a device's reading in the kinds a visit measures (a glucose reading not fasting is not a fasting glucose)
_READING_KINDS: dict[tuple[str, bool], str] = {
    ("systolic", False): "systolic_bp",
    ("systolic", True): "systolic_bp",
    ("diastolic", False): "diastolic_bp",
    ("diastolic", True): "diastolic_bp",
    ("glucose", True): "fasting_glucose",
    ("glucose", False): "glucose",
}
_CARE: dict[type[PublicEvent], tuple[str, str, str]] = {
    care.LongPrescriptionIssued: ("long_prescription", "prescription_id", "issued_on"),
    care.FamilySickbedAdmitted: ("sickbed_admitted", "sickbed_id", "admitted_on"),
    care.FamilySickbedDischarged: ("sickbed_discharged", "sickbed_id", "discharged_on"),
}


def fact_of(d: Delivery) -> tuple[Table, dict[str, Any]] | None:
    """The table and row a public event becomes, or None for events the appraisal does not use."""
    e, known = d.event, {"event_id": d.envelope.id, "known_at": _utc(d.envelope.time)}
    match e:
        case (
            signing.TeamRegistered()
            | signing.TeamMemberJoined()
            | signing.TeamMemberLeft()
            | signing.ResidentCapChanged()
        ):
            return _team_fact(e, known)
        case signing.ContractSigned() | signing.ContractRenewed():
            return CONTRACT_STARTS, known | _where(e) | _started(e)
        case signing.ContractTerminated() | signing.ContractExpired():
            return CONTRACT_ENDS, known | _where(e) | _ended(e)
        case signing.ContractReinstated():
            undone = {"contract_id": e.contract_id, "kind": "reinstated", "reason": e.reason, "last_day": e.last_day}
            return CONTRACT_ENDS, known | _where(e) | undone | {"ended_at": _utc(e.reinstated_at)}
        case care.VisitCompleted():
            measured = [m.model_dump(mode="json") for m in e.measurements]
            visit = {
                "visit_id": e.visit_id,
                "contract_id": e.contract_id,
                "fulfils": e.fulfils,
                "measurements": measured,
            }
            return VISITS, known | _where(e) | visit | {"occurred_at": _utc(e.occurred_at)}
        case care.ReadingForFollowUp():
            kind = _READING_KINDS[e.kind, e.fasting]
            reading = {"reading_id": e.reading_id, "device_id": e.device_id, "kind": kind, "value": e.value}
            return READINGS, known | _where(e) | reading | {"measured_at": _utc(e.measured_at)}
        case care.ServiceRated():
            scores = {"ability": e.ability, "attitude": e.attitude, "responsiveness": e.responsiveness}
            return RATINGS, known | _where(e) | scores | {"rating_id": e.rating_id, "rated_at": _utc(e.rated_at)}
    return _referral_or_care(e, known)


TeamEvent = signing.TeamRegistered | signing.TeamMemberJoined | signing.TeamMemberLeft | signing.ResidentCapChanged


def _team_fact(e: TeamEvent, known: dict[str, Any]) -> tuple[Table, dict[str, Any]]:
    """A team as registered, and each change of its doctors and caps (capacity for workload)."""
    if isinstance(e, signing.TeamRegistered):
        return TEAMS, known | _at(e) | {"members": [m.model_dump(mode="json") for m in e.members]}
    change: dict[str, Any] = {"member_id": None, "role": None, "resident_cap": None}
    match e:
        case signing.TeamMemberJoined(member=m):
            change |= {"change": "joined", "changed_at": e.joined_at, "member_id": m.member_id, "role": m.role}
            change["resident_cap"] = m.resident_cap
        case signing.TeamMemberLeft():
            change |= {"change": "left", "changed_at": e.left_at, "member_id": e.member_id}
        case signing.ResidentCapChanged():
            change |= {"change": "cap", "changed_at": e.changed_at, "member_id": e.member_id}
            change["resident_cap"] = e.resident_cap
    return TEAM_CHANGES, known | change | {"team_id": e.team_id, "changed_at": _utc(change["changed_at"])}


def _referral_or_care(e: Any, known: dict[str, Any]) -> tuple[Table, dict[str, Any]] | None:
    """Every referral event carries the referral and when it was issued; an appointment its slot;
    care events their day."""
    if type(e) in _STEPS:
        step, at = _STEPS[type(e)]
        priority = e.priority if isinstance(e, referral.ReferralIssued) else None
        values = {"referral_id": e.referral_id, "step": step, "priority": priority}
        times = {"issued_at": _utc(e.issued_at), "step_at": _utc(getattr(e, at))}
        return REFERRAL_STEPS, known | _where(e) | values | times
    if type(e) in _APPOINTMENT_STEPS:
        step, at = _APPOINTMENT_STEPS[type(e)]
        values = {"appointment_id": e.appointment_id, "step": step, "resident_ref": e.resident_ref}
        values["team_id"] = e.team_id
        times = {"starts_at": _utc(e.starts_at), "step_at": _utc(getattr(e, at))}
        return APPOINTMENT_STEPS, known | values | times | {"contracted": getattr(e, "contracted", False)}
    if type(e) in _CARE:
        kind, ref, on = _CARE[type(e)]
        return CARE, known | _where(e) | {"kind": kind, "ref": getattr(e, ref), "occurred_on": getattr(e, on)}
    return None


def _at(e: Any) -> dict[str, Any]:
    return {"team_id": e.team_id, "institution_id": e.institution_id, "area_code": e.area_code}


def _where(e: Any) -> dict[str, Any]:
    """Who is accountable, the partition it falls in, and whose the fact is."""
    fields = _at(e) | {"city": city_of(e.area_code)}
    return fields | ({"resident_ref": e.resident_ref} if hasattr(e, "resident_ref") else {})


def _started(e: signing.ContractSigned | signing.ContractRenewed) -> dict[str, Any]:
    if isinstance(e, signing.ContractRenewed):
        how = {"kind": "renewed", "renews_contract_id": e.renews_contract_id, "signed_at": _utc(e.renewed_at)}
    else:
        how = {"kind": "signed", "renews_contract_id": None, "signed_at": _utc(e.signed_at)}
    return how | {
        "contract_id": e.contract_id,
        "resident_area_code": e.resident_area_code,
        "items": [i.model_dump() for p in e.packages for i in p.items],
        "key_populations": list(e.key_populations),
        "starts_on": e.starts_on,
        "ends_on": e.ends_on,
    }


def _ended(e: signing.ContractTerminated | signing.ContractExpired) -> dict[str, Any]:
    ending = {"contract_id": e.contract_id, "last_day": e.last_day}
    if isinstance(e, signing.ContractTerminated):
        return ending | {"kind": "terminated", "reason": e.reason, "ended_at": _utc(e.terminated_at)}
    return ending | {"kind": "expired", "reason": None, "ended_at": _utc(e.expired_at)}


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)
