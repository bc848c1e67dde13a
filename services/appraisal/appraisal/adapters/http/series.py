"""Indicators over time for dashboards: the figures as of the end of each month of a period."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from appraisal.adapters.http.filters import SeriesFilters, SeriesOf
from appraisal.adapters.http.schemas import SeriesPublic
from appraisal.adapters.http.view import PROBLEMS, PeriodQuery, written
from appraisal.application import access
from appraisal.application.appraising import Appraising, Series
from appraisal.application.views import shown_figures
from appraisal.domain.periods import Period
from shared.web.auth import CurrentPrincipal
from shared.web.openapi import problem_responses

NO_SUCH_INDICATOR = problem_responses(described={404: "No such indicator in the catalogue"})
router = APIRouter(tags=["appraisal"], responses=PROBLEMS | NO_SUCH_INDICATOR)


@router.get(
    "/indicators/series",
    response_model=SeriesPublic,
    summary="Indicator figures as of the end of each month of a period, up to now (for dashboards)",
    description="Each point is what GET /indicators shows as of its moment for these indicators: the end of "
    "each month in local time, or now for the month still running. The same callers may read it.",
)
async def series(
    request: Request,
    who: CurrentPrincipal,
    period: PeriodQuery,
    of: Annotated[SeriesOf, Depends()],
    only: Annotated[SeriesFilters, Depends()],
) -> Response:
    scope = access.view_scope(who, only.area, only.team)
    tagged = only.key_population is not None
    found = await asyncio.to_thread(_series, request, period, of.indicator, scope, tagged)
    shown = only.within(scope)
    return written(
        {
            "period": period,
            "catalogue_version": found.catalogue.version,
            "points": [
                {"as_of": as_of, "figures": shown_figures(found.catalogue, m.subjects, m.figures, shown)}
                for as_of, m in found.points
            ],
        }
    )


def _series(request: Request, period: str, indicators: list[str], scope: access.Scope, tagged: bool) -> Series:
    appraising: Appraising = request.app.state.appraising
    now: datetime = request.app.state.clock()
    return appraising.series(Period.parse(period), indicators, now, scope.area, tagged, scope.team)
