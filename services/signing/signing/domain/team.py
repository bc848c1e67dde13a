"""A family doctor team (or a single contracting doctor) and its places for residents.

The caps live here, in the aggregate that enforces them: every contract takes a place
in the same transaction, so N signings for K free places yield exactly K contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from signing.domain.errors import DoctorFull, NotATeamDoctor, TeamFull, UnknownTeam

CONTRACTING_ROLES = frozenset({"family_doctor", "general_practitioner", "chinese_medicine_doctor"})


@dataclass(frozen=True)
class Member:
    member_id: str
    role: str
    resident_cap: int | None = None

    @property
    def contracting(self) -> bool:
        return self.role in CONTRACTING_ROLES


@dataclass(frozen=True)
class TeamRegistered:
    team_id: str
    name: str
    institution_id: str
    institution_kind: str
    area_code: str
    members: tuple[Member, ...]
    resident_cap: int
    registered_at: datetime
    subject: str = "team"  # or "doctor": a single doctor is the contracting subject (2022 opinions)


@dataclass(frozen=True)
class MemberJoined:
    team_id: str
    member: Member
    joined_at: datetime


@dataclass(frozen=True)
class MemberLeft:
    team_id: str
    member_id: str
    left_at: datetime


@dataclass(frozen=True)
class CapChanged:
    """The most residents the team (member_id None) or one of its doctors may hold."""

    team_id: str
    member_id: str | None
    resident_cap: int
    changed_at: datetime


@dataclass(frozen=True)
class PlaceTaken:
    contract_id: str
    doctor_id: str | None


@dataclass(frozen=True)
class PlaceReleased:
    contract_id: str
    doctor_id: str | None


@dataclass(frozen=True)
class Team:
    registration: TeamRegistered
    members: tuple[Member, ...]
    resident_cap: int
    taken: int = 0
    taken_by_doctor: dict[str, int] = field(default_factory=dict)

    @property
    def team_id(self) -> str:
        return self.registration.team_id

    def member(self, member_id: str) -> Member | None:
        return next((m for m in self.members if m.member_id == member_id), None)

    def doctor(self, member_id: str) -> Member:
        member = self.member(member_id)
        if member is None or not member.contracting:
            raise NotATeamDoctor(f"{member_id} is not a contracting doctor of team {self.team_id}")
        return member

    def held_by(self, member_id: str) -> int:
        return self.taken_by_doctor.get(member_id, 0)


def take_place(team: Team | None, team_id: str, contract_id: str, doctor_id: str | None) -> PlaceTaken:
    if team is None:
        raise UnknownTeam(f"no team {team_id} is registered")
    if team.taken >= team.resident_cap:
        raise TeamFull(f"team {team_id} has all its {team.resident_cap} places taken")
    if doctor_id is not None:
        cap = team.doctor(doctor_id).resident_cap
        if cap is not None and team.held_by(doctor_id) >= cap:
            raise DoctorFull(f"doctor {doctor_id} has all their {cap} places taken")
    return PlaceTaken(contract_id, doctor_id)


def release_place(contract_id: str, doctor_id: str | None) -> PlaceReleased:
    return PlaceReleased(contract_id, doctor_id)


def evolve(team: Team | None, event: object) -> Team | None:
    if isinstance(event, TeamRegistered):
        return Team(event, event.members, event.resident_cap)
    if team is None:
        raise ValueError(f"{type(event).__name__} does not apply before the team is registered")
    return _change(team, event)


def _change(team: Team, event: object) -> Team:
    match event:
        case PlaceTaken(doctor_id=doctor):
            return replace(team, taken=team.taken + 1, taken_by_doctor=_count(team, doctor, +1))
        case PlaceReleased(doctor_id=doctor):
            return replace(team, taken=team.taken - 1, taken_by_doctor=_count(team, doctor, -1))
        case MemberJoined(member=member):
            return replace(team, members=(*team.members, member))
        case MemberLeft(member_id=gone):
            return replace(team, members=tuple(m for m in team.members if m.member_id != gone))
        case CapChanged(member_id=None, resident_cap=cap):
            return replace(team, resident_cap=cap)
        case CapChanged(member_id=doctor, resident_cap=cap):
            members = tuple(replace(m, resident_cap=cap) if m.member_id == doctor else m for m in team.members)
            return replace(team, members=members)
    raise ValueError(f"{type(event).__name__} does not apply to team {team.team_id}")


def _count(team: Team, doctor_id: str | None, delta: int) -> dict[str, int]:
    if doctor_id is None:
        return team.taken_by_doctor
    return {**team.taken_by_doctor, doctor_id: team.held_by(doctor_id) + delta}
