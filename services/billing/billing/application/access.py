"""Who may see and do what in billing: the one place these decisions are made.

A bureau sees only its own figures, an official those of their area, an institution
(its doctors) its own; administrators everything. Periods are closed by the scheduler,
as an administrator.
"""

from __future__ import annotations

from billing.application.scope import Scope
from billing.domain.capitation_year import CapitationReconciliationRecorded
from billing.domain.errors import UnknownContract
from shared.domain import Forbidden
from shared.principal import Principal


def may_close_periods(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("periods are closed by the scheduler (an administrator)")


def may_reopen_periods(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("a closed period is reopened by an administrator")


def may_read_account(who: Principal, contract_id: str, institution_id: str | None, area_code: str | None) -> None:
    """A caller who may not read the account is told billing knows no such contract, as for an id
    it does not know: a 403 would tell them the contract exists."""
    if who.role == "admin":
        return
    if who.role == "official" and area_code is not None and area_code.startswith(who.area_code or "\x00"):
        return
    if who.role == "family_doctor" and institution_id is not None and who.institution_id == institution_id:
        return
    raise UnknownContract(f"billing knows no contract {contract_id}")


def may_read_feed(who: Principal, bureau_id: str) -> None:
    if who.role == "admin" or (who.role == "insurance_bureau" and who.bureau_id == bureau_id):
        return
    raise Forbidden("a bureau reads only its own feed")


def view_scope(who: Principal, asked: Scope) -> Scope:
    """The figures the caller asked for, narrowed to what the caller may see."""
    if who.role == "admin":
        return asked
    if who.role == "insurance_bureau" and who.bureau_id and asked.bureau_id in (None, who.bureau_id):
        return Scope(asked.period, who.bureau_id, asked.institution_id, asked.area_prefix, "insurance_fund")
    if who.role == "official" and who.area_code and _within(asked.area_prefix, who.area_code):
        return Scope(
            asked.period,
            asked.bureau_id,
            asked.institution_id,
            max(asked.area_prefix, who.area_code, key=len),
            asked.payer,
        )
    if who.role == "family_doctor" and who.institution_id and asked.institution_id in (None, who.institution_id):
        return Scope(asked.period, asked.bureau_id, who.institution_id, asked.area_prefix, asked.payer)
    raise Forbidden("a bureau sees its own figures, an official their area's, an institution its own")


def _within(asked: str, own: str) -> bool:
    """An official asks for their own area, a part of it, or (by default) all of it."""
    return asked == "" or asked.startswith(own)


def may_reconcile_capitation(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("a capitation year is reconciled by the scheduler (an administrator)")


def may_advance_capitation(who: Principal) -> None:
    """Like the reconciliation, the scheduler's command: it books every institution's advance."""
    if who.role != "admin":
        raise Forbidden("capitation advances are booked by the scheduler (an administrator)")


def may_read_capitation_areas(who: Principal) -> None:
    """What the capitation jobs go through, area by area: the scheduler's read before them."""
    if who.role != "admin":
        raise Forbidden("the capitation jobs' areas are read by the scheduler (an administrator)")


def sees_capitation(who: Principal, r: CapitationReconciliationRecorded) -> bool:
    """An official sees their area's teams and institutions, a bureau those of its residents,
    a doctor their own team's."""
    match who.role:
        case "admin":
            return True
        case "official":
            return bool(who.area_code) and r.area_code.startswith(who.area_code or "")
        case "insurance_bureau":
            return who.bureau_id is not None and r.bureau_id == who.bureau_id
        case "family_doctor":
            return r.subject_kind == "team" and who.team_id is not None and r.subject_id == who.team_id
    return False


def capitation_scope(who: Principal) -> tuple[str, str | None]:
    """Where the rows a caller sees can be: an official's area, a doctor's institution (their
    token's; None: any), anywhere for the others."""
    if who.role == "official":
        return who.area_code or "", None
    return "", who.institution_id if who.role == "family_doctor" else None


def may_read_capitation(who: Principal) -> None:
    if who.role not in ("admin", "official", "insurance_bureau", "family_doctor"):
        raise Forbidden("capitation figures are read by officials, bureaus and teams")


def may_distribute_performance_pay(who: Principal) -> None:
    if who.role not in ("admin", "official") or (who.role == "official" and not who.area_code):
        raise Forbidden("performance pay is distributed by an administrator or an official of the area")


def acts_on_team(who: Principal, area_code: str) -> bool:
    """An official acts on (and sees) their area's teams; an administrator on all."""
    return who.role == "admin" or (
        who.role == "official" and bool(who.area_code) and area_code.startswith(who.area_code or "")
    )


def may_read_performance_pay(who: Principal) -> None:
    if who.role not in ("admin", "official", "family_doctor"):
        raise Forbidden("performance pay is read by officials and by each member their own")


def sees_member_share(who: Principal, team_id: str, area_code: str, member_id: str) -> bool:
    """A member (the token's subject, of their team) sees their own share; officials their area's."""
    if who.role == "family_doctor":
        return who.subject == member_id and who.team_id == team_id
    return acts_on_team(who, area_code)
