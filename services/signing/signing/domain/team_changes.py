"""How a team is formed and changes: registration, members joining and leaving, caps.

A team has at least one contracting doctor; a single doctor as the contracting subject
is a team of exactly that doctor. Nobody leaves while residents are contracted with
them, and no cap falls below the residents already held: counts never drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from signing.domain.errors import (
    CapBelowContracted,
    DuplicateMember,
    InvalidTeamComposition,
    LastContractingDoctor,
    MemberAlreadyInTeam,
    MemberHasResidents,
    NotATeamMember,
    SingleDoctorSubject,
    TeamAlreadyRegistered,
)
from signing.domain.team import CapChanged, Member, MemberJoined, MemberLeft, Team, TeamRegistered

SUBJECTS = ("team", "doctor")


def register(existing: Team | None, registration: TeamRegistered) -> TeamRegistered:
    if existing is not None:
        raise TeamAlreadyRegistered(f"team {registration.team_id} is already registered")
    check_composition(registration.subject, registration.members)
    return registration


def check_composition(subject: str, members: Sequence[Member]) -> None:
    ids = [m.member_id for m in members]
    if len(set(ids)) != len(ids):
        raise DuplicateMember("each member appears once in a team")
    if not any(m.contracting for m in members):
        raise InvalidTeamComposition("a team needs a contracting doctor (family doctor, GP or TCM doctor)")
    if subject == "doctor" and len(members) != 1:
        raise InvalidTeamComposition("a single doctor as contracting subject is exactly one member")
    if subject not in SUBJECTS:
        raise InvalidTeamComposition(f"a contracting subject is a team or a doctor, not {subject!r}")


def join(team: Team, member: Member, at: datetime) -> MemberJoined:
    if team.registration.subject == "doctor":
        raise SingleDoctorSubject(f"{team.team_id} is a single doctor; register a team to add members")
    if team.member(member.member_id) is not None:
        raise MemberAlreadyInTeam(f"{member.member_id} is already a member of team {team.team_id}")
    return MemberJoined(team.team_id, member, at)


def leave(team: Team, member_id: str, at: datetime) -> MemberLeft:
    member = _member(team, member_id)
    if team.held_by(member_id) > 0:
        raise MemberHasResidents(
            f"{member_id} still holds {team.held_by(member_id)} contracts: switch them to another doctor first"
        )
    if member.contracting and sum(m.contracting for m in team.members) == 1:
        raise LastContractingDoctor(f"{member_id} is the last contracting doctor of team {team.team_id}")
    return MemberLeft(team.team_id, member_id, at)


def change_cap(team: Team, member_id: str | None, cap: int, at: datetime) -> CapChanged:
    """The team's cap (member_id None) or a contracting doctor's."""
    held = team.taken if member_id is None else team.held_by(team.doctor(member_id).member_id)
    if cap < held:
        whose = f"doctor {member_id}" if member_id else f"team {team.team_id}"
        raise CapBelowContracted(f"{whose} already holds {held} contracts, more than a cap of {cap}")
    return CapChanged(team.team_id, member_id, cap, at)


def _member(team: Team, member_id: str) -> Member:
    member = team.member(member_id)
    if member is None:
        raise NotATeamMember(f"{member_id} is not a member of team {team.team_id}")
    return member
