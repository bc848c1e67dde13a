"""What the API shows of a referral (the same body for a command's result and a read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referral.domain.referral import Referral, ReferralCancelled, ReferralDeclined, ReferralExpired


def referral_view(referral: Referral, version: int) -> dict[str, Any]:
    i, r = referral.issued, referral.routing
    a = referral.accepted
    return {
        "referral_id": r.referral_id,
        "version": version,
        "status": referral.status,
        "resident_ref": r.resident_ref,
        "patient": {"identity_number": i.patient.identity_number, "name": i.patient.name, "phone": i.patient.phone},
        "team_id": r.team_id,
        "institution_id": r.institution_id,
        "area_code": r.area_code,
        "issued_by": i.issued_by,
        "hospital_id": r.hospital_id,
        "department": i.department,
        "priority": i.priority,
        "combined_signing": i.combined_signing,
        "reason": i.reason,
        "clinical_summary": i.clinical_summary,
        "appointment": {"department": a.department, "doctor": a.doctor, "at": _iso(a.appointment_at)} if a else None,
        "specialist_slot": _slot(referral),
        "outcome": _outcome(referral),
        "timing": timing_view(referral),
    }


def timing_view(referral: Referral) -> dict[str, Any]:
    """Issued → accepted → appointment → completed, and the waits between (minutes)."""
    issued_at = referral.routing.issued_at
    accepted_at = referral.accepted.accepted_at if referral.accepted else None
    appointment_at = referral.accepted.appointment_at if referral.accepted else None
    completed_at = referral.completed.completed_at if referral.completed else None
    # A step stamped before the one it follows is refused since 2 December; a referral recorded
    # earlier with one shows no wait to acceptance, and says why.
    steps = [t for t in (issued_at, accepted_at, completed_at) if t is not None]
    out_of_order = steps != sorted(steps)
    return {
        "issued_at": _iso(issued_at),
        "expires_at": _iso(referral.issued.expires_at),
        "accepted_at": _iso(accepted_at),
        "appointment_at": _iso(appointment_at),
        "completed_at": _iso(completed_at),
        "minutes_to_acceptance": None if out_of_order else _minutes(issued_at, accepted_at),
        "minutes_to_appointment": _minutes(issued_at, appointment_at),
        "minutes_appointment_to_completion": _minutes(appointment_at, completed_at),
        "times_out_of_order": out_of_order,
    }


def _slot(referral: Referral) -> dict[str, Any] | None:
    """The specialist-source place booked for it in health records, if one is."""
    s = referral.slot
    if s is None:
        return None
    at = {"starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at), "booked_at": _iso(s.booked_at)}
    return {"appointment_id": s.appointment_id, "doctor_id": s.doctor_id, "session_id": s.session_id} | at


def _outcome(referral: Referral) -> dict[str, Any] | None:
    """The last word on it: why it ended unanswered, the summary, the down-referral."""
    c, d, k = referral.completed, referral.down_referral, referral.acknowledged
    ended = ending(referral)
    if ended is not None:
        return ended
    if c is None:
        return None
    outcome: dict[str, Any] = {"summary_kind": c.summary_kind, "summary": c.summary}
    if d is not None:
        outcome["down_referral"] = {
            "purpose": d.purpose,
            "instructions": d.instructions,
            "down_referred_at": _iso(d.down_referred_at),
            "acknowledged_by": k.acknowledged_by if k else None,
            "acknowledged_at": _iso(k.acknowledged_at) if k else None,
        }
    return outcome


def ending(referral: Referral) -> dict[str, Any] | None:
    """Why and when it ended without being accepted, if it did."""
    match referral.ended:
        case ReferralDeclined(reason=reason, declined_at=at) | ReferralCancelled(reason=reason, cancelled_at=at):
            return {"reason": reason, "at": _iso(at)}
        case ReferralExpired(expired_at=at):
            return {"reason": "not accepted in time", "at": _iso(at)}
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    return None if start is None or end is None else int((end - start).total_seconds() // 60)
