"""What billing keeps for performance pay, and the distribution of a team's pool for a year.

Three kinds of stream: a member's year in a team (each visit, follow-up and good rating
credited to them, once by the event's id), a team's year (its members, its annual appraisal
result, the distributions recorded) and a year's index of teams. Distributing reads them with
the team's contract-fee income and records a first distribution, or, once the appraisal is
restated (or contributions arrived late), a restatement carrying the new shares and each
member's difference; nothing when nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction
from typing import Any, Literal

from billing.domain.capitation_rules import FACTORS, Factor, PerformancePayRule
from billing.domain.errors import AppraisalNotPublished, YearNotOver
from billing.domain.performance_pay import Activity, Contribution, Membership, Share, contributions, distribute

Credited = Literal["visits", "follow_ups", "good_ratings"]
# A visit that delivers one of these package items is a follow-up (the catalogue's codes:
# `hypertension_follow_up`, `diabetes_follow_up`); any other is a visit.
FOLLOW_UP_SUFFIX = "_follow_up"


def credited_for(fulfils: Iterable[str]) -> Credited:
    return "follow_ups" if any(code.endswith(FOLLOW_UP_SUFFIX) for code in fulfils) else "visits"


def good(ability: int, attitude: int, responsiveness: int) -> bool:
    """A good rating: more than 3 of 5 on average."""
    return ability + attitude + responsiveness > 9


@dataclass(frozen=True)
class ContributionNoted:
    """One service credited to a member; `event_id` the public event's, so each counts once."""

    event_id: str
    factor: Credited
    on: date
    resident_ref: str


@dataclass(frozen=True)
class MemberYear:
    credited: dict[str, ContributionNoted] = field(default_factory=dict)  # by event id


def evolve_member(state: MemberYear, event: object) -> MemberYear:
    match event:
        case ContributionNoted(event_id=key):
            return replace(state, credited={**state.credited, key: event})
    raise ValueError(f"{type(event).__name__} does not apply to a member's year")


def member_of(events: Iterable[object]) -> MemberYear:
    """The member's year from its events at once: `evolve_member` copies the credits for each new
    one, which a command's cached year takes a service at a time, but a year read from the store
    (to credit a service, to distribute) would pay for each (a doctor's thousands: quadratic)."""
    credited: dict[str, ContributionNoted] = {}
    for event in events:
        if not isinstance(event, ContributionNoted):
            raise ValueError(f"{type(event).__name__} does not apply to a member's year")
        credited[event.event_id] = event
    return MemberYear(credited)


@dataclass(frozen=True)
class MemberInTeamYear:
    member_id: str
    role: str
    institution_id: str
    area_code: str


@dataclass(frozen=True)
class TeamAppraised:
    """The team's annual appraisal result; a restatement replaces it."""

    result_id: str
    period: str
    score: str  # 0-100, exact: "n/d"
    institution_id: str


@dataclass(frozen=True)
class ShareRecorded:
    member_id: str
    role: str
    visits: int
    follow_ups: int
    good_ratings: int
    key_population_residents: int
    amount_fen: int
    quota: str  # the exact part of the pool before rounding, "n/d" fen
    difference_fen: int | None


@dataclass(frozen=True)
class PerformancePayRecorded:
    distribution_id: str
    team_id: str
    institution_id: str
    area_code: str
    year: int
    appraisal_result_id: str
    sequence: int
    restates_distribution_id: str | None
    score: str
    pool_share: str  # of the income, "n/d" (the rule's share x the score's scaling)
    contract_fee_income_fen: int
    pool_fen: int
    undistributed_fen: int
    shares: tuple[ShareRecorded, ...]
    distributed_at: datetime


@dataclass(frozen=True)
class TeamYear:
    members: dict[str, MemberInTeamYear] = field(default_factory=dict)
    appraisal: TeamAppraised | None = None
    latest: PerformancePayRecorded | None = None

    @property
    def institution_id(self) -> str | None:
        if self.appraisal is not None:
            return self.appraisal.institution_id
        return next((m.institution_id for m in self.members.values()), None)

    @property
    def area_code(self) -> str:
        return next((m.area_code for m in self.members.values()), "")


def evolve_team(state: TeamYear, event: object) -> TeamYear:
    match event:
        case MemberInTeamYear(member_id=member):
            return replace(state, members={**state.members, member: event})
        case TeamAppraised():
            return replace(state, appraisal=event)
        case PerformancePayRecorded():
            return replace(state, latest=event)
    raise ValueError(f"{type(event).__name__} does not apply to a team's year")


@dataclass(frozen=True)
class TeamInYear:
    team_id: str
    area_code: str = ""  # "": not known (a team appraised before a member was credited; v1)


def team_in_year_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return data | {"area_code": ""}


@dataclass(frozen=True)
class PerformanceYear:
    """The year's teams, each with its area once known: which teams' years a read in an area,
    or a job of an official, reads (a province has tens of thousands)."""

    teams: dict[str, str] = field(default_factory=dict)  # team -> area ("" not known)

    def in_area(self, area_code: str) -> list[str]:
        """Those inside the area, or of an area not known."""
        return sorted(t for t, area in self.teams.items() if area.startswith(area_code) or not area)


def evolve_year(state: PerformanceYear, event: object) -> PerformanceYear:
    match event:
        case TeamInYear(team_id=team, area_code=area):
            return replace(state, teams=state.teams | {team: area or state.teams.get(team, "")})
    raise ValueError(f"{type(event).__name__} does not apply to a performance year")


def year_of(events: Iterable[object]) -> PerformanceYear:
    """The index from its events at once, not a copy of its teams for each (see `evolve_year`)."""
    teams: dict[str, str] = {}
    for event in events:
        if not isinstance(event, TeamInYear):
            raise ValueError(f"{type(event).__name__} does not apply to a performance year")
        teams[event.team_id] = event.area_code or teams.get(event.team_id, "")
    return PerformanceYear(teams)


def member_key(year: int, team_id: str, member_id: str) -> str:
    return f"{year}~{team_id}~{member_id}"


def team_key(year: int, team_id: str) -> str:
    return f"{year}~{team_id}"


def distribution_id(team_id: str, year: int, sequence: int) -> str:
    return f"pp-{year}-{team_id}-{sequence}"


def member_contributions(
    year: int, team: TeamYear, members: dict[str, MemberYear], key_population: Iterable[str]
) -> list[Contribution]:
    """The members' counts; `key_population`: the residents who carried a key-population label
    under a contract some day of the year. A member who left keeps what they did: their
    services stop at their leaving, not their credit."""
    labelled = set(key_population)
    roster = [Membership(m, team.members[m].role, date(year, 1, 1), None) for m in sorted(team.members)]
    done = [
        Activity(member, c.factor, c.on, c.resident_ref, c.resident_ref in labelled)
        for member, state in members.items()
        for c in state.credited.values()
    ]
    return contributions(roster, done, year)


def distribute_year(  # noqa: PLR0913
    team_id: str,
    year: int,
    team: TeamYear,
    found: list[Contribution],
    income_fen: int,
    rule: PerformancePayRule,
    now: datetime,
) -> PerformancePayRecorded | None:
    """The team's distribution, a restatement of the last one if it changed, or None if not."""
    if team.appraisal is None or team.institution_id is None:
        raise AppraisalNotPublished(f"team {team_id} has no published appraisal result for {year}")
    score = Fraction(team.appraisal.score)
    done = distribute(income_fen, score, found, rule)
    by_member = {s.member_id: s for s in done.shares}
    previous = team.latest
    before = {s.member_id: s.amount_fen for s in previous.shares} if previous else {}
    shares = tuple(_share(c, by_member.get(c.member_id), before, previous is not None) for c in found)
    distributed = sum(s.amount_fen for s in shares)
    if previous is not None and _figures(team.appraisal.result_id, income_fen, done.pool_fen, shares) == _figures(
        previous.appraisal_result_id, previous.contract_fee_income_fen, previous.pool_fen, previous.shares
    ):
        return None
    sequence = 0 if previous is None else previous.sequence + 1
    return PerformancePayRecorded(
        distribution_id(team_id, year, sequence),
        team_id,
        team.institution_id,
        team.area_code,
        year,
        team.appraisal.result_id,
        sequence,
        previous.distribution_id if previous else None,
        team.appraisal.score,
        _fraction(rule.pool_share * rule.scaling.fraction(score)),
        income_fen,
        done.pool_fen,
        done.pool_fen - distributed,
        shares,
        now,
    )


def _figures(result_id: str, income_fen: int, pool_fen: int, shares: tuple[ShareRecorded, ...]) -> tuple[object, ...]:
    """What a restatement compares: the differences aside."""
    return result_id, income_fen, pool_fen, tuple(replace(s, difference_fen=None) for s in shares)


def _share(c: Contribution, share: Share | None, before: dict[str, int], restating: bool) -> ShareRecorded:
    amount, quota = (share.amount_fen, share.quota) if share else (0, Fraction(0))
    visits, follow_ups, good_ratings, key_population = (c.counts.get(f, 0) for f in FACTORS)
    return ShareRecorded(
        c.member_id,
        c.role,
        visits,
        follow_ups,
        good_ratings,
        key_population,
        amount,
        _fraction(quota),
        amount - before.get(c.member_id, 0) if restating else None,
    )


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def factor_weights(rule: PerformancePayRule) -> dict[Factor, str]:
    return {f: _fraction(w) for f, w in rule.weights.items()}


def check_over(year: int, today: date) -> None:
    """A year's pool is distributed once the year is over (its income and services are in)."""
    if year >= today.year:
        raise YearNotOver(f"year {year} is not over on {today}: distribute its performance pay from {year + 1}-01-01")
