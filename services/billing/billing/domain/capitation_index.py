"""The capitation year's index: its teams (each with its institution and area), and what a year
recorded before the institutions' streams kept in its own stream (`capitation_year`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from billing.domain.capitation_year import (
    CapitationYear,
    ResidentInYear,
    TeamCovered,
    evolve_year,
    year_of_institution,
)


@dataclass(frozen=True)
class CapitationYearIndex:
    """The year's teams (a province's are tens of thousands; its residents are not here), and
    what a year recorded before the institutions' streams kept in its own."""

    teams: dict[str, TeamCovered] = field(default_factory=dict)
    before: CapitationYear = field(default_factory=CapitationYear)
    roster_before: bool = False  # residents were noted in the year's own stream

    def institutions(self, area_code: str = "") -> list[str]:
        """Those with a team inside the area, or named by what was recorded before."""
        named = {i for i in self._team_areas if self.names(i, area_code)}
        return sorted(named | self._named_before)

    def names(self, institution_id: str, area_code: str = "") -> bool:
        """Whether `institutions(area_code)` has the institution, looking at its teams alone."""
        areas = self._team_areas.get(institution_id, ())
        return institution_id in self._named_before or any(a.startswith(area_code) for a in areas)

    # Worked out once for each index: a process keeps the year's (`YearIndexes`), and each page of
    # the figures asks of its institutions (thousands), not again of its teams (tens of thousands).
    @cached_property
    def _team_areas(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for t in self.teams.values():
            found.setdefault(t.institution_id, set()).add(t.area_code)
        return found

    @cached_property
    def _named_before(self) -> set[str]:
        before = self.before
        named = {i for i, _ in before.advances} | {r.institution_id for r in before.latest.values()}
        return named | {f.institution_id for f in before.referrals.values()}

    def areas(self) -> Iterable[tuple[str, str]]:
        """Each institution with the area of each of its teams, and of what was recorded before of it."""
        before = self.before
        for named in (self.teams, before.referrals, before.advances, before.latest):
            yield from ((n.institution_id, n.area_code) for n in named.values())


def home_areas(named: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each institution's one area for a job that goes through a year an area at a time: the
    least it is named with (its teams normally share one). So jobs of areas none inside another
    never both do an institution, and together do every institution in them."""
    found: dict[str, str] = {}
    for institution, area in named:
        found[institution] = min(area, found.get(institution, area))
    return found


def evolve_index(state: CapitationYearIndex, event: object) -> CapitationYearIndex:
    match event:
        case TeamCovered(team_id=team):
            return replace(state, teams=state.teams | {team: event})
        case ResidentInYear():
            return state if state.roster_before else replace(state, roster_before=True)
    return replace(state, before=evolve_year(state.before, event))


def index_of(events: Iterable[object]) -> CapitationYearIndex:
    """The index from its events at once: `evolve_index` copies the teams for each new one, which
    a command's cached index takes a team at a time, but a read of a province's tens of
    thousands from the store would pay for each (quadratic)."""
    teams: dict[str, TeamCovered] = {}
    before = []
    for event in events:
        if isinstance(event, TeamCovered):
            teams[event.team_id] = event
        else:
            before.append(event)
    roster_before = any(isinstance(e, ResidentInYear) for e in before)
    return CapitationYearIndex(teams, year_of_institution(before), roster_before)


def index_after(index: CapitationYearIndex, events: list[object]) -> CapitationYearIndex | None:
    """The index with the events recorded after it: teams new to the year, one copy of the teams
    for them all. None when one is of a year kept before in its own stream (read it whole again)."""
    if not all(isinstance(e, TeamCovered) for e in events):
        return None
    return replace(index, teams=index.teams | {e.team_id: e for e in events if isinstance(e, TeamCovered)})
