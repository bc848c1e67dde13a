"""The query parameters the appraisal's reads share, each group as one dependency.

A group is a dataclass FastAPI reads from the query string field by field: the parameters,
their names and their documentation stay those of the OpenAPI; a route takes one argument."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query

from appraisal.adapters.http.schemas import AreaPrefix, AsOf, Dimension, Level
from appraisal.application.access import Scope
from appraisal.application.views import Filters

KeyPopulation = Annotated[str | None, Query(description='A key population, or "*" for all')]
Indicators = Annotated[
    list[str],
    Query(min_length=1, max_length=20, description="Indicator ids (repeat the parameter)", examples=["coverage"]),
]


@dataclass(frozen=True)
class Subjects:
    """Whose figures: inside an area, of a team, of an institution (the caller's scope narrows the first two)."""

    area: AreaPrefix = None
    team: str | None = None
    institution: str | None = None


@dataclass(frozen=True)
class FigureFilters(Subjects):
    """GET /indicators: which figures, of the subjects in scope."""

    level: Level | None = None
    dimension: Dimension | None = None
    indicator: str | None = None
    key_population: KeyPopulation = None

    def within(self, scope: Scope) -> Filters:
        return Filters(
            scope.area, scope.team, self.institution, self.level, self.dimension, self.indicator, self.key_population
        )


@dataclass(frozen=True)
class ScoreFilters(Subjects):
    """GET /scores: only teams and institutions are scored."""

    level: Annotated[Level | None, Query(pattern="^(team|institution)$")] = None

    def within(self, scope: Scope) -> Filters:
        return Filters(scope.area, scope.team, self.institution, self.level)


@dataclass(frozen=True)
class SeriesOf:
    """GET /indicators/series: which indicators, how far apart the points."""

    indicator: Indicators
    step: Annotated[Literal["month"], Query(description="The spacing of the points")] = "month"


@dataclass(frozen=True)
class SeriesFilters(Subjects):
    level: Level | None = None
    key_population: KeyPopulation = None

    def within(self, scope: Scope) -> Filters:
        return Filters(scope.area, scope.team, self.institution, self.level, key_population=self.key_population)


@dataclass(frozen=True)
class CasesOf:
    """GET /indicators/{id}/cases: the stratum of the figure, as of when, and the page."""

    level: Level
    stratum: Annotated[str, Query(max_length=64)]
    key_population: Annotated[str | None, Query(max_length=64)] = None
    as_of: AsOf = None
    after: Annotated[str, Query(max_length=40, description="The last resident ref of the page before")] = ""
    limit: Annotated[int, Query(ge=1, le=1000)] = 100


@dataclass(frozen=True)
class ResultFilters:
    """GET /periods/{period}/results: which results that stand."""

    area: AreaPrefix = None
    kind: Literal["team", "institution"] | None = None
    team: str | None = None
