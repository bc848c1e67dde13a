"""The facts read once with the time each became known, so the facts known at any moment up
to then come from the same rows: one read for a snapshot, and for every point of a series."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appraisal.domain import facts as f
from appraisal.domain.known import Knowns, with_endings


@dataclass(frozen=True)
class TeamRow:
    team_id: str
    where: f.Where
    members: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class TeamChange:
    team_id: str
    change: str  # joined, left, cap
    member_id: str | None
    role: str | None
    resident_cap: int | None


@dataclass(frozen=True)
class FactsHistory:
    """Every list in the order the facts are read: each moment keeps the rows known by then
    (those not read are empty: the figures read only the teams and the register)."""

    teams: Knowns[TeamRow] = field(default_factory=Knowns)
    """Registrations, earliest known first: a team's latest known registration counts."""
    changes: Knowns[TeamChange] = field(default_factory=Knowns)
    """Joined, left and cap changes before the period's end, in the order they happened."""
    contracts: Knowns[f.ContractFact] = field(default_factory=Knowns)
    """Latest known first, so a contract's earliest known start wins."""
    endings: Knowns[tuple[str, f.Ending]] = field(default_factory=Knowns)
    """Latest ended first, so a contract's earliest known ending wins."""
    visits: Knowns[f.VisitFact] = field(default_factory=Knowns)
    ratings: Knowns[f.RatingFact] = field(default_factory=Knowns)
    referrals: Knowns[f.ReferralStep] = field(default_factory=Knowns)
    care: Knowns[f.CareFact] = field(default_factory=Knowns)
    appointments: Knowns[f.AppointmentStep] = field(default_factory=Knowns)
    readings: Knowns[f.RemoteReading] = field(default_factory=Knowns)
    register: Knowns[f.PopulationFigure] = field(default_factory=Knowns)
    """By area and version: an area's latest known figure counts."""

    def as_of(self, moment: datetime) -> f.Facts:
        return f.Facts(
            teams=self._teams(moment),
            contracts=self._contracts(moment),
            visits=self.visits.by(moment),
            ratings=self.ratings.by(moment),
            referrals=self.referrals.by(moment),
            care=self.care.by(moment),
            appointments=self.appointments.by(moment),
            readings=self.readings.by(moment),
            register=tuple({p.area_code: p for p in self.register.by(moment)}.values()),
        )

    def _teams(self, moment: datetime) -> tuple[f.TeamFact, ...]:
        registered = {t.team_id: t for t in self.teams.by(moment)}
        members = {i: {m["member_id"]: m for m in t.members} for i, t in registered.items()}
        for c in self.changes.by(moment):
            if c.team_id in members:
                _change(members[c.team_id], c)
        return tuple(f.TeamFact(registered[i].where, _doctor_caps(members[i])) for i in sorted(members))

    def _contracts(self, moment: datetime) -> tuple[f.ContractFact, ...]:
        return with_endings(self.contracts.by(moment), self.endings.by(moment))


def _change(team: dict[str, dict[str, Any]], c: TeamChange) -> None:
    member = c.member_id or ""  # none: the team's own cap, signing's limit, not capacity
    if c.change == "joined":
        team[member] = {"member_id": c.member_id, "role": c.role, "resident_cap": c.resident_cap}
    elif c.change == "left":
        team.pop(member, None)
    elif member in team:  # a doctor's cap
        team[member] = team[member] | {"resident_cap": c.resident_cap}


def _doctor_caps(team: dict[str, dict[str, Any]]) -> tuple[int | None, ...]:
    return tuple(m["resident_cap"] for _, m in sorted(team.items()) if m["role"] in f.CONTRACTING_ROLES)
