"""Strata: the team, institution, county, city and province a figure is about, and the
key population it is narrowed to; and every subject the appraisal knows at each level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from appraisal.domain.catalogue import LEVELS
from appraisal.domain.facts import PopulationFigure, TeamFact, Where


class Stratum(NamedTuple):
    """A named tuple, as `Where` is: an appraisal of a city sorts and hashes tens of thousands."""

    level: str
    id: str
    key_population: str = ""
    """Empty for the whole stratum."""


@lru_cache(maxsize=65_536)
def stratum_id(level: str, where: Where) -> str:
    """Cached: an appraisal asks it of the same few teams and areas for every case."""
    area = where.area_code
    match level:
        case "team":
            return where.team_id
        case "institution":
            return where.institution_id
        case "county":
            return area[:6]
        case "city":
            return area[:4] + "00"
        case "province":
            return area[:2] + "0000"
    raise ValueError(f"unknown level {level!r}")


def area_of(level: str, where: Where) -> str:
    """The area a stratum of a case is in: a team's or institution's, as the case names it; an area's own code."""
    return where.area_code if level in ("team", "institution") else stratum_id(level, where)


def area_prefix(area_code: str) -> str:
    """The prefix every area inside this one starts with: 440100 (a city) → 4401."""
    code = area_code
    while len(code) > 2 and code.endswith("00") and len(code) <= 6:
        code = code[:-2]
    return code


@dataclass(frozen=True)
class Subjects:
    """Every team, institution and area the appraisal knows, and where each belongs."""

    wheres: dict[Stratum, Where] = field(default_factory=dict)
    teams: dict[str, TeamFact] = field(default_factory=dict)

    def at(self, level: str) -> list[Stratum]:
        return self._at.get(level, [])

    @cached_property
    def _at(self) -> dict[str, list[Stratum]]:
        at: dict[str, list[Stratum]] = defaultdict(list)
        for s in sorted(self.wheres):
            at[s.level].append(s)
        return dict(at)

    def where(self, stratum: Stratum) -> Where:
        found = self.wheres.get(Stratum(stratum.level, stratum.id) if stratum.key_population else stratum)
        return Where("", "", stratum.id) if found is None else found

    def area_of(self, stratum: Stratum) -> str:
        """The county a team or institution is ranked in; an area's own code."""
        return self.where(stratum).area_code[:6]

    def teams_in(self, stratum: Stratum) -> list[TeamFact]:
        return self._teams_in.get((stratum.level, stratum.id), [])

    @cached_property
    def _teams_in(self) -> dict[tuple[str, str], list[TeamFact]]:
        """Each stratum's teams, found once: a city's capacity figures ask for hundreds."""
        teams: dict[tuple[str, str], list[TeamFact]] = defaultdict(list)
        for t in self.teams.values():
            for level in LEVELS:
                teams[(level, stratum_id(level, t.where))].append(t)
        return dict(teams)


def known_subjects(
    teams_known: Iterable[TeamFact], register: Iterable[PopulationFigure], wheres: Iterable[Where]
) -> Subjects:
    """Every registered team (with no case, its figures are zero or not applicable), every
    team met in a case, their institutions, and the areas of both and of the register."""
    teams = {t.where.team_id: t for t in sorted(teams_known, key=lambda t: t.where)}
    known: dict[Stratum, Where] = {}
    for where in sorted({*(t.where for t in teams.values()), *wheres}):
        known.setdefault(Stratum("team", where.team_id), where)
        known.setdefault(Stratum("institution", where.institution_id), Where("", where.institution_id, where.area_code))
        for level in ("county", "city", "province"):
            code = stratum_id(level, where)
            known.setdefault(Stratum(level, code), Where("", "", code))
    for figure in register:
        known.setdefault(_register_stratum(figure), Where("", "", figure.area_code[:6]))
    return Subjects(known, teams)


def _register_stratum(figure: PopulationFigure) -> Stratum:
    code = figure.area_code[:6]
    level = "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
    return Stratum(level, code)
