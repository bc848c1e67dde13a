"""Indicators over time for dashboards: the figures as of the end of each month of a period."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from appraisal.adapters.http.schemas import AreaPrefix, Level, SeriesPublic
from appraisal.adapters.http.view import PROBLEMS, PeriodQuery
from appraisal.application import access
from appraisal.application.appraising import Appraising, Series
from appraisal.application.views import Filters, shown_figures
from appraisal.domain.periods import Period
from shared.web.auth import CurrentPrincipal

NO_SUCH_INDICATOR = {"description": "No such indicator in the catalogue", "content": {"application/problem+json": {}}}
router = APIRouter(tags=["appraisal"], responses=PROBLEMS | {404: NO_SUCH_INDICATOR})
Indicators = Annotated[
    list[str],
    Query(min_length=1, max_length=20, description="Indicator ids (repeat the parameter)", examples=["coverage"]),
]


@router.get(
    "/indicators/series",
    response_model=SeriesPublic,
    summary="Indicator figures as of the end of each month of a period, up to now (for dashboards)",
    description="Each point is what GET /indicators shows as of its moment for these indicators: the end of "
    "each month in local time, or now for the month still running. The same callers may read it.",
)
async def series(  # noqa: PLR0913
    request: Request,
    who: CurrentPrincipal,
    period: PeriodQuery,
    indicator: Indicators,
    step: Annotated[Literal["month"], Query(description="The spacing of the points")] = "month",
    area: AreaPrefix = None,
    team: str | None = None,
    institution: str | None = None,
    level: Level | None = None,
    key_population: Annotated[str | None, Query(description='A key population, or "*" for all')] = None,
) -> dict[str, Any]:
    scope = access.view_scope(who, area, team)
    found = await asyncio.to_thread(_series, request, period, indicator, scope.area, key_population is not None)
    only = Filters(scope.area, scope.team, institution, level, key_population=key_population)
    return {
        "period": period,
        "catalogue_version": found.catalogue.version,
        "points": [
            {"as_of": as_of, "figures": shown_figures(found.catalogue, m.subjects, m.figures, only)}
            for as_of, m in found.points
        ],
    }


def _series(request: Request, period: str, indicators: list[str], area: str, tagged: bool) -> Series:
    appraising: Appraising = request.app.state.appraising
    now: datetime = request.app.state.clock()
    return appraising.series(Period.parse(period), indicators, now, area, tagged)
