"""The population register over HTTP: the health commission records each area's figures for a year."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from appraisal.adapters.http.schemas import PopulationIn, PopulationPublic
from appraisal.adapters.http.view import PROBLEMS
from appraisal.application.publication import record_population
from appraisal.application.records import population_view
from appraisal.application.streams import POPULATION, population_key
from appraisal.domain.errors import PopulationNotRecorded
from shared.eventstore import EventStore
from shared.web.auth import CurrentPrincipal
from shared.web.commands import VersionedCall, present, respond

router = APIRouter(tags=["population register"], responses=PROBLEMS)
Year = Annotated[int, Path(ge=2000, le=2100)]
Area = Annotated[str, Path(pattern=r"^\d{6}(\d{3}(\d{3})?)?$", examples=["440106"])]


@router.put(
    "/population-register/{year}/{area_code}",
    response_model=PopulationPublic,
    summary="Record an area's registered and key populations for a year (a correction is a new version)",
)
async def record(year: Year, area_code: Area, body: PopulationIn, call: VersionedCall) -> Response:
    by_key = {str(tag): n for tag, n in body.by_key_population.items()}
    handler = record_population(call.who, year, area_code, body.population, body.key_population, by_key, call.expected)
    return respond(await call.run(handler), 200)


@router.get("/population-register/{year}/{area_code}", response_model=PopulationPublic, summary="An area's figures")
async def figure(year: Year, area_code: Area, request: Request, who: CurrentPrincipal) -> Response:
    return present(await asyncio.to_thread(_current, request.app.state.store, year, area_code))


def _current(store: EventStore, year: int, area_code: str) -> dict[str, object]:
    found, version = POPULATION.fold(store.read(POPULATION.stream_id(population_key(year, area_code))))
    if found is None:
        raise PopulationNotRecorded(f"no population recorded for {area_code} in {year}")
    return population_view(found, version)
