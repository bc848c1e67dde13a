"""Who may do what with referrals: the one place these decisions are made.

A caller with no business with a referral is told it does not exist (404), so a hospital
cannot even learn that another hospital's referral is there; a caller who may read it
but not take this step is told so (403).
"""

from __future__ import annotations

from referral.domain.errors import ReferralNotFound
from referral.domain.referral import Referral
from shared.domain import Forbidden
from shared.principal import Principal


def may_refer(who: Principal, team_id: str) -> None:
    """A family doctor refers for their own team (whether the resident is contracted with
    it is the domain's rule)."""
    if who.role != "family_doctor" or who.team_id != team_id:
        raise Forbidden("only a family doctor refers, for a resident contracted with their own team")


def may_read(who: Principal, referral: Referral) -> None:
    r = referral.routing
    allowed = (
        who.role == "admin"
        or (who.role == "hospital" and who.hospital_id == r.hospital_id)
        or (who.role == "family_doctor" and who.team_id == r.team_id)
        or (who.role == "resident" and who.resident_ref == r.resident_ref)
    )
    if not allowed:
        raise ReferralNotFound(f"no referral {r.referral_id}")


def may_answer(who: Principal, referral: Referral) -> None:
    """Accept, decline, complete, refer back down: the hospital it is addressed to."""
    may_read(who, referral)
    if who.role != "hospital":
        raise Forbidden("only the hospital the referral is addressed to answers it")


def may_follow_up(who: Principal, referral: Referral) -> None:
    """Cancel it, acknowledge a down-referral: the referring team."""
    may_read(who, referral)
    if who.role != "family_doctor":
        raise Forbidden("only the referring team cancels a referral or acknowledges a down-referral")


def may_run_schedules(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("scheduled jobs run with an administrator's token")


def may_read_hospital(who: Principal, hospital_id: str) -> None:
    if who.role == "admin" or (who.role == "hospital" and who.hospital_id == hospital_id):
        return
    raise Forbidden("a hospital reads its own referrals only")


def may_read_team(who: Principal, team_id: str) -> None:
    if who.role == "admin" or (who.role == "family_doctor" and who.team_id == team_id):
        return
    raise Forbidden("a team reads its own referrals only")
