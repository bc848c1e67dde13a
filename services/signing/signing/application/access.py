"""Who may do what in signing: the one place these decisions are made."""

from __future__ import annotations

from shared.domain import Forbidden
from shared.principal import Principal
from signing.domain.contract import Contract


def may_register_team(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("only an administrator registers teams")


def may_sign(who: Principal, team_id: str, resident_ref: str) -> None:
    """A doctor signs for their own team; a resident signs for themselves (online signing)."""
    if who.role == "admin":
        return
    if who.role == "family_doctor" and who.team_id == team_id:
        return
    if who.role == "resident" and who.resident_ref == resident_ref:
        return
    raise Forbidden("you may sign only for your own team, or for yourself as a resident")


def may_read_contract(who: Principal, contract: Contract) -> None:
    signed = contract.signed
    if who.role in ("admin", "official") and _in_area(who, signed.area_code):
        return
    if who.role == "family_doctor" and who.team_id == signed.team_id:
        return
    if who.role == "resident" and who.resident_ref == signed.resident_ref:
        return
    raise Forbidden("this contract is not yours to read")


def _in_area(who: Principal, area_code: str) -> bool:
    return who.role == "admin" or area_code.startswith(who.area_code or "\x00")
