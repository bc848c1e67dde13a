"""The live appraisal over HTTP: the catalogue, figures with filters, scores, and the drill-down."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic_core import to_json

from appraisal.adapters.http.filters import CasesOf, FigureFilters, ScoreFilters
from appraisal.adapters.http.schemas import (
    AsOf,
    DrillDownPublic,
    FiguresPublic,
    ScoresPublic,
)
from appraisal.adapters.http.written import WrittenFigures, WrittenScores
from appraisal.application import access
from appraisal.application.appraising import Appraised, Appraising
from appraisal.application.records import catalogue_view, indicator_view
from appraisal.application.views import case_view, figure_view
from appraisal.domain.periods import Period
from appraisal.domain.strata import Stratum
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import YEAR_OR_PART
from shared.web.held import Held
from shared.web.openapi import problem_responses

PROBLEMS = problem_responses(401, 403, described={422: "Invalid request"})
PeriodQuery = Annotated[str, Query(pattern=YEAR_OR_PART, examples=["2026", "2026-H1"])]
router = APIRouter(tags=["appraisal"], responses=PROBLEMS)


@router.get("/catalogue", summary="The indicator catalogue: every version, each indicator with its formula (public)")
async def catalogue(request: Request) -> list[dict[str, Any]]:
    return catalogue_view(_appraising(request).catalogue)


@router.get("/indicators", response_model=FiguresPublic, summary="Indicator figures of a period, live")
async def indicators(
    request: Request,
    who: CurrentPrincipal,
    period: PeriodQuery,
    only: Annotated[FigureFilters, Depends()],
    as_of: AsOf = None,
) -> Response:
    scope = access.view_scope(who, only.area, only.team)
    tagged = only.key_population is not None
    appraised = await asyncio.to_thread(_appraise, request, period, as_of, scope, tagged)
    figures = _written_figures(request).parts(appraised.appraisal, only.within(scope))
    return written(_basis(appraised), figures=figures)


@router.get("/scores", response_model=ScoresPublic, summary="Scores, grades and ranks of a period, live")
async def scores(
    request: Request,
    who: CurrentPrincipal,
    period: PeriodQuery,
    only: Annotated[ScoreFilters, Depends()],
    as_of: AsOf = None,
) -> Response:
    scope = access.view_scope(who, only.area, only.team)
    appraised = await asyncio.to_thread(_appraise, request, period, as_of, scope, False)
    return written(_basis(appraised), scores=[_written_scores(request).scores(appraised.appraisal, only.within(scope))])


@router.get(
    "/indicators/{indicator_id}/cases",
    response_model=DrillDownPublic,
    summary="Which residents are behind a figure, and why (officials of the area), a page at a time",
    description="The cases of up to `limit` residents, by resident ref after `after`; a page may hold fewer "
    "cases than that (a resident may have none in the figure). `next_after` is the `after` of the next page, "
    "absent on the last.",
)
async def cases(
    indicator_id: str, request: Request, who: CurrentPrincipal, period: PeriodQuery, of: Annotated[CasesOf, Depends()]
) -> dict[str, Any]:
    now: datetime = request.app.state.clock()
    wanted = Stratum(of.level, of.stratum, of.key_population or "")
    drill_down, period_ = _appraising(request).drill_down, Period.parse(period)
    found = await asyncio.to_thread(
        drill_down, who, period_, of.as_of or now, now, indicator_id, wanted, of.after, of.limit
    )
    a = found.appraised.appraisal
    return _basis(found.appraised) | {
        "indicator": indicator_view(a.catalogue.indicator(indicator_id)),
        "figure": figure_view(a, found.figure),
        "cases": [case_view(c) for c in found.cases],
        "next_after": found.next_after,
    }


_appraising = Held[Appraising]("appraising")


_written_figures = Held[WrittenFigures]("written_figures")
_written_scores = Held[WrittenScores]("written_scores")


def written(body: dict[str, Any], **raw: list[bytes]) -> Response:
    """A view written as it was built, not checked against its response model first: a city's
    figures are thousands, and the views are built to the model (the API's fuzzing checks).
    `raw`: fields already written, in parts, added after the others (joined once: megabytes)."""
    out = to_json(body)
    if raw:
        fields = (piece for name, parts in raw.items() for piece in (b',"%s":' % name.encode(), *parts))
        out = b"".join((out[:-1], *fields, b"}"))
    return Response(out, 200, media_type="application/json")


def _appraise(request: Request, period: str, as_of: datetime | None, scope: access.Scope, tagged: bool) -> Appraised:
    now: datetime = request.app.state.clock()
    return _appraising(request).appraise(Period.parse(period), as_of or now, now, scope.area, tagged, scope.team)


def _basis(appraised: Appraised) -> dict[str, Any]:
    a = appraised.appraisal
    return {
        "period": a.window.period.code,
        "catalogue_version": a.catalogue.version,
        "as_of": a.window.as_of,
        "positions": [vars(p) for p in appraised.positions],
    }
