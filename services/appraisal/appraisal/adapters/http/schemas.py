"""Request and response bodies of the appraisal API (documented in OpenAPI with examples)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import AreaCode, KeyPopulation
from shared.web.bounds import YEAR_OR_PART, BusinessMoment

PeriodCode = Annotated[str, Field(pattern=YEAR_OR_PART, examples=["2026", "2026-H1", "2026-Q3"])]
AreaPrefix = Annotated[str | None, Query(pattern=r"^\d{2,12}$", examples=["4401"], description="Area code prefix")]
AsOf = Annotated[
    BusinessMoment | None,
    Query(description="Only facts recorded by then (default: now); the same as-of gives the same figures"),
]
People = Annotated[int, Field(ge=0, le=200_000_000)]
"""A count of residents: no area the register covers (a province at most) has more than 200 million."""
Level = Literal["team", "institution", "county", "city", "province"]
Dimension = Literal["contracted_services", "effective_contracting", "effective_performance", "service_effect"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublicationCreate(_In):
    as_of: BusinessMoment = Field(description="The facts recorded by then; the period must be over by then")


class RestatementCreate(PublicationCreate):
    reason: str = Field(min_length=1, max_length=500, examples=["Late visits of December were recorded"])


class PopulationIn(_In):
    population: People = Field(examples=[1_250_000])
    key_population: People = Field(description="Residents with any key-population tag, each once")
    by_key_population: dict[KeyPopulation, People] = Field(default={})


class PopulationPublic(PopulationIn):
    year: int
    area_code: AreaCode
    recorded_at: AwareDatetime
    version: int


class Position(BaseModel):
    topic: str
    partition: int
    offset: int


class PublicationPublic(BaseModel):
    period: str
    revision: int
    version: int
    catalogue_version: str
    computed_as_of: AwareDatetime
    positions: list[Position]
    published_at: AwareDatetime
    reason: str | None
    results_published: int
    results_restated: int


class FigurePublic(BaseModel):
    indicator_id: str
    title: str
    dimension: Dimension
    weight: str
    target: str | None
    level: Level
    stratum_id: str
    area_code: str
    key_population: str | None
    numerator: int
    denominator: int | None = Field(description="None for a count, or when the register has no figure")
    value: str | None = Field(description="numerator ÷ denominator to 4 places; None when the denominator is empty")
    points: str | None


class ScorePublic(BaseModel):
    subject_kind: Literal["team", "institution"]
    subject_id: str
    institution_id: str
    area_code: str
    score: str | None = Field(description="None: no scored indicator applies to it yet (no data, not 0)")
    grade: Literal["excellent", "qualified", "unqualified"] | None
    rank_in_county: int = Field(description="Competition ranking by score; subjects with no score come last")
    rank_in_city: int
    dimensions: dict[str, str | None]


class ViewPublic(BaseModel):
    period: str
    catalogue_version: str
    as_of: AwareDatetime
    positions: list[Position] = Field(description="How far each stream had been applied when computed")


class FiguresPublic(ViewPublic):
    figures: list[FigurePublic]


class ScoresPublic(ViewPublic):
    scores: list[ScorePublic]


class PointPublic(BaseModel):
    as_of: AwareDatetime = Field(description="The end of a month (local time), or now for the month still running")
    figures: list[FigurePublic]


class SeriesPublic(BaseModel):
    period: str
    catalogue_version: str
    points: list[PointPublic] = Field(description="One per month of the period begun by now, in order")


class CasePublic(BaseModel):
    resident_ref: str
    about: str = Field(description="The contract (year), referral or rating the case is about")
    team_id: str
    in_numerator: int
    in_denominator: int
    excluded: bool
    why: str


class DrillDownPublic(ViewPublic):
    indicator: dict[str, Any]
    figure: dict[str, Any]
    cases: list[CasePublic]
    next_after: str | None = None


class ResultPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    result_id: str
    period: str
    subject_kind: str
    subject_id: str
    score: str
    grade: str
    rank_in_county: int
    rank_in_city: int
    catalogue_version: str
    published_at: AwareDatetime


class ResultsPage(BaseModel):
    items: list[ResultPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")
