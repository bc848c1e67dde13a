"""Publishing a period's results, restating them, reading them, and the public disclosure."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from appraisal.adapters.http.filters import ResultFilters
from appraisal.adapters.http.schemas import (
    AreaPrefix,
    PublicationCreate,
    PublicationPublic,
    RestatementCreate,
    ResultsPage,
)
from appraisal.adapters.http.view import PROBLEMS
from appraisal.adapters.projections import results
from appraisal.adapters.projections.results import PublishedResults
from appraisal.application import access
from appraisal.application.publication import Publications
from appraisal.application.streams import PERIODS
from appraisal.domain.errors import ResultNotFound
from appraisal.domain.periods import Period
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import YEAR_OR_PART
from shared.web.commands import IdempotencyKey, VersionedCall, present, respond, run_command
from shared.web.held import Held
from shared.web.openapi import problem_responses
from shared.web.pages import PageOf, cursor_of, position_of

PeriodPath = Annotated[str, Path(pattern=YEAR_OR_PART, examples=["2026", "2026-H1"])]
REFUSED = problem_responses(described={409: "Refused by a rule"})
router = APIRouter(tags=["appraisal results"], responses=PROBLEMS | REFUSED)


@router.post(
    "/periods/{period}/publication",
    status_code=201,
    response_model=PublicationPublic,
    summary="Publish a period's results (once the period is over)",
    description="Computes every team's and institution's result from the facts recorded by `as_of` and "
    "publishes each as `appraisal.AppraisalPublished.v1`; a period is published once, then restated.",
)
async def publish(
    period: PeriodPath, body: PublicationCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey
) -> Response:
    now = request.app.state.clock()
    work = await asyncio.to_thread(_publications(request).publish, who, Period.parse(period), body.as_of, now)
    return respond(await run_command(request, who, key, work), 201, f"/periods/{period}")


@router.post(
    "/periods/{period}/restatements",
    status_code=201,
    response_model=PublicationPublic,
    summary="Restate a published period: new results for those that changed, naming the ones they restate",
)
async def restate(period: PeriodPath, body: RestatementCreate, call: VersionedCall) -> Response:
    now, restating = call.request.app.state.clock(), _publications(call.request).restate
    at = Period.parse(period)
    work = await asyncio.to_thread(restating, call.who, at, body.as_of, now, body.reason, call.expected)
    return respond(await call.run(work), 201, f"/periods/{period}")


@router.get("/periods/{period}", summary="A period's publication and restatements, each with its basis")
async def period_publications(period: PeriodPath, request: Request, who: CurrentPrincipal) -> Response:
    access.view_scope(who, None, None)
    stream = await asyncio.to_thread(request.app.state.store.read, PERIODS.stream_id(Period.parse(period).code))
    state, version = PERIODS.fold(stream)
    body = {"period": period, "revision": state.revision, "version": version}
    body["publications"] = await asyncio.to_thread(_results(request).publications, period)
    return present(body)


@router.get(
    "/periods/{period}/results",
    response_model=ResultsPage,
    summary="The results that stand, a page at a time",
    description="By subject kind, area, rank in county and subject; pass `next_cursor` as `cursor` for the next page.",
)
async def period_results(
    period: PeriodPath,
    request: Request,
    who: CurrentPrincipal,
    only: Annotated[ResultFilters, Depends()],
    page: Annotated[PageOf, Depends()],
) -> dict[str, Any]:
    scope = access.view_scope(who, only.area, only.team)
    read = partial(_results(request).current, period, scope.area, only.kind, scope.team)
    return _paged(await asyncio.to_thread(read, after=_after(page.cursor), limit=page.limit), page.limit)


@router.get("/results/{result_id}", summary="One result, what it was computed from, and what restates it")
async def result(result_id: str, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    found = await asyncio.to_thread(_results(request).result, result_id)
    if found is None:
        raise ResultNotFound(f"no published result {result_id}")
    team = found["subject_id"] if found["subject_kind"] == "team" else "\x00"
    access.may_read_result(who, result_id, team, found["area_code"])
    return found


@router.get(
    "/disclosure/{period}",
    summary="The public disclosure of a period's results (no token, no personal data), a page at a time",
    description="As `/periods/{period}/results` orders them; pass `next_cursor` as `cursor` for the next page.",
)
async def disclosure(
    period: PeriodPath, request: Request, page: Annotated[PageOf, Depends()], area: AreaPrefix = None
) -> dict[str, Any]:
    read = partial(_results(request).disclosure, period, area or "")
    return _paged(await asyncio.to_thread(read, after=_after(page.cursor), limit=page.limit), page.limit)


def _paged(items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """A page, and where the next starts when it is full (a province's period: tens of thousands)."""
    more = len(items) == limit
    return {"items": items, "next_cursor": cursor_of(results.position(items[-1])) if more else None}


def _after(cursor: str | None) -> results.Position | None:
    return None if cursor is None else position_of(cursor, _position)


def _position(found: Any) -> results.Position:
    kind, area, rank, subject = found  # another length: ValueError; not a list: TypeError
    named = all(isinstance(s, str) for s in (kind, area, subject))
    if not named or isinstance(rank, bool) or not isinstance(rank, int):
        raise TypeError("not a result's position")
    return kind, area, rank, subject


_publications = Held[Publications]("publications")


_results = Held[PublishedResults]("results")
