"""A team's members and their roles, as signing announced them: who may deliver a service."""

from __future__ import annotations

from dataclasses import dataclass

from health_records.domain.errors import NotATeamMember


@dataclass(frozen=True)
class TeamMember:
    member_id: str
    role: str


@dataclass(frozen=True)
class RosterNoted:
    team_id: str
    institution_id: str
    members: tuple[TeamMember, ...]


def note(roster: RosterNoted | None, noted: RosterNoted) -> list[RosterNoted]:
    return [] if roster == noted else [noted]


def role_of(roster: RosterNoted | None, team_id: str, member_id: str) -> str:
    for member in roster.members if roster is not None else ():
        if member.member_id == member_id:
            return member.role
    raise NotATeamMember(f"{member_id} is not a member of team {team_id}")


def evolve(_: RosterNoted | None, event: object) -> RosterNoted:
    if isinstance(event, RosterNoted):
        return event
    raise ValueError(f"{type(event).__name__} does not apply to a team's roster")
