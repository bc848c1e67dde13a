"""Who may read and do what in the appraisal: the one place it is decided."""

from __future__ import annotations

from dataclasses import dataclass

from appraisal.domain.errors import ResultNotFound
from shared.domain import Forbidden
from shared.principal import Principal


@dataclass(frozen=True)
class Scope:
    """What a caller may see: the teams and areas inside `area`, or one team."""

    area: str
    team: str | None = None


def may_read_team(who: Principal, team_id: str, area_code: str | None) -> None:
    if who.role == "admin":
        return
    if who.role == "official" and area_code is not None and area_code.startswith(who.area_code or "\x00"):
        return
    if who.role == "family_doctor" and who.team_id == team_id:
        return
    raise Forbidden("these figures are for the team itself and the officials of its area")


def may_read_result(who: Principal, result_id: str, team_id: str, area_code: str) -> None:
    """A result the caller may not read is one they are told does not exist, as for an unknown
    id: a 403 would confirm that the team (or institution) was appraised."""
    try:
        may_read_team(who, team_id, area_code)
    except Forbidden:
        raise ResultNotFound(f"no published result {result_id}") from None


def area_scope(who: Principal, requested: str) -> str:
    """The area an official may list: their own, or a part of it."""
    if who.role == "admin":
        return requested
    if who.role == "official" and who.area_code and requested.startswith(who.area_code):
        return requested
    raise Forbidden("officials list the teams of their own area only")


def view_scope(who: Principal, area: str | None, team: str | None) -> Scope:
    """Officials see their area (or part of it), a team its own figures, an administrator all."""
    if who.role == "admin":
        return Scope(area or "", team)
    if who.role == "official":
        return Scope(area_scope(who, area or who.area_code or "\x00"), team)
    if who.role == "family_doctor" and who.team_id and team in (None, who.team_id):
        return Scope("", who.team_id)
    raise Forbidden("appraisal figures are for officials of the area and for each team's own")


def may_drill_down(who: Principal, area_code: str) -> None:
    """Which residents are behind a figure: for authorised officials of the area only."""
    if who.role == "admin" or (who.role == "official" and area_code.startswith(who.area_code or "\x00")):
        return
    raise Forbidden("only officials of the area may see which residents are behind a figure")


def may_publish(who: Principal) -> None:
    """Publishing moves money (billing releases withheld fees): the health commission's administrator."""
    if who.role != "admin":
        raise Forbidden("only an administrator publishes or restates appraisal results")


def may_record_population(who: Principal) -> None:
    if who.role != "admin":
        raise Forbidden("only an administrator records the population register")


def drill_down_area(who: Principal) -> str:
    """The area whose facts a drill-down may read: the official's own, or all for an administrator."""
    if who.role == "admin":
        return ""
    if who.role == "official" and who.area_code:
        return who.area_code
    raise Forbidden("only officials of the area may see which residents are behind a figure")
