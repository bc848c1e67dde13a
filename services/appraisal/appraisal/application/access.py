"""Who may read which appraisal figures: the one place it is decided."""

from __future__ import annotations

from shared.domain import Forbidden
from shared.principal import Principal


def may_read_team(who: Principal, team_id: str, area_code: str | None) -> None:
    if who.role == "admin":
        return
    if who.role == "official" and area_code is not None and area_code.startswith(who.area_code or "\x00"):
        return
    if who.role == "family_doctor" and who.team_id == team_id:
        return
    raise Forbidden("these figures are for the team itself and the officials of its area")


def area_scope(who: Principal, requested: str) -> str:
    """The area an official may list: their own, or a part of it."""
    if who.role == "admin":
        return requested
    if who.role == "official" and who.area_code and requested.startswith(who.area_code):
        return requested
    raise Forbidden("officials list the teams of their own area only")
