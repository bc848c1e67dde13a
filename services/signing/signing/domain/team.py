"""A family doctor team (or a single contracting doctor) and its places for residents.

The caps live here, in the aggregate that enforces them: every contract takes a place
in the same transaction, so N signings for K free places yield exactly K contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from signing.domain.errors import DoctorFull, NotATeamDoctor, TeamAlreadyRegistered, TeamFull, UnknownTeam

CONTRACTING_ROLES = frozenset({"family_doctor", "general_practitioner", "chinese_medicine_doctor"})


@dataclass(frozen=True)
class Member:
    member_id: str
    role: str
    resident_cap: int | None = None


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
    taken: int = 0
    taken_by_doctor: dict[str, int] = field(default_factory=dict)

    def doctor(self, member_id: str) -> Member:
        for member in self.registration.members:
            if member.member_id == member_id and member.role in CONTRACTING_ROLES:
                return member
        raise NotATeamDoctor(f"{member_id} is not a contracting doctor of team {self.registration.team_id}")


def register(existing: Team | None, registration: TeamRegistered) -> TeamRegistered:
    if existing is not None:
        raise TeamAlreadyRegistered(f"team {registration.team_id} is already registered")
    return registration


def take_place(team: Team | None, team_id: str, contract_id: str, doctor_id: str | None) -> PlaceTaken:
    if team is None:
        raise UnknownTeam(f"no team {team_id} is registered")
    if team.taken >= team.registration.resident_cap:
        raise TeamFull(f"team {team_id} has all its {team.registration.resident_cap} places taken")
    if doctor_id is not None:
        cap = team.doctor(doctor_id).resident_cap
        if cap is not None and team.taken_by_doctor.get(doctor_id, 0) >= cap:
            raise DoctorFull(f"doctor {doctor_id} has all their {cap} places taken")
    return PlaceTaken(contract_id, doctor_id)


def evolve(team: Team | None, event: object) -> Team | None:
    match event:
        case TeamRegistered():
            return Team(event)
        case PlaceTaken(doctor_id=doctor) if team is not None:
            return replace(team, taken=team.taken + 1, taken_by_doctor=_count(team, doctor, +1))
        case PlaceReleased(doctor_id=doctor) if team is not None:
            return replace(team, taken=team.taken - 1, taken_by_doctor=_count(team, doctor, -1))
    raise ValueError(f"{type(event).__name__} does not apply to team {team}")


def _count(team: Team, doctor_id: str | None, delta: int) -> dict[str, int]:
    if doctor_id is None:
        return team.taken_by_doctor
    return {**team.taken_by_doctor, doctor_id: team.taken_by_doctor.get(doctor_id, 0) + delta}
