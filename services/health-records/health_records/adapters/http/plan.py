"""The management plan and its fulfilment over HTTP."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from health_records.adapters.http.common import PROBLEMS, ResidentRef, logged_read, queries, records
from health_records.adapters.http.schemas_in import PlanRevision
from health_records.adapters.http.schemas_out import FulfilmentPublic, PlanPublic, ResidentFulfilmentPublic
from health_records.adapters.projections.fulfilment import FulfilmentView
from health_records.application import access
from health_records.application.commands import RevisePlan
from health_records.domain.errors import RecordNotFound
from health_records.domain.plan import PlannedService
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import CommandCall, respond
from shared.web.held import Held

router = APIRouter(tags=["plan"], responses=PROBLEMS)
AsOf = Query(default=None, description="The date to reckon from; defaults to today", examples=["2026-06-30"])


_view = Held[FulfilmentView]("fulfilment")


@router.get("/residents/{resident_ref}/plan", response_model=PlanPublic, summary="A resident's health management plan")
async def get_plan(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    return await logged_read(request, who, resident_ref, "plan", lambda: queries(request).plan(who, resident_ref, day))


@router.put(
    "/residents/{resident_ref}/plan",
    response_model=PlanPublic,
    summary="Revise the plan",
    description="The team in charge replaces the planned services; a package item may not fall below "
    "what the contract promises. Send the plan's ETag in If-Match.",
)
async def revise_plan(resident_ref: ResidentRef, body: PlanRevision, call: CommandCall) -> Response:
    services = tuple(PlannedService(s.item_code, s.times_per_year, tuple(s.measurements)) for s in body.services)
    command = RevisePlan(resident_ref, services, body.reason, call.expected)
    outcome = await call.run(records(call.request).revise_plan(call.who, command))
    return respond(outcome, 200, f"/residents/{resident_ref}/plan")


@router.get(
    "/residents/{resident_ref}/fulfilment",
    response_model=FulfilmentPublic,
    summary="Package fulfilment this contract year",
    description="Each planned service: how often it is due, how often done, how many are overdue as of the date.",
)
async def get_fulfilment(
    resident_ref: ResidentRef, request: Request, who: CurrentPrincipal, as_of: date | None = AsOf
) -> Response:
    day = today(request)

    async def query() -> dict[str, Any]:
        await queries(request).care(who, resident_ref, day)  # decides access
        view = await asyncio.to_thread(_view(request).for_resident, resident_ref, as_of or day)
        if view is None:
            raise RecordNotFound(f"no contract year for resident {resident_ref} yet")
        return view

    return await logged_read(request, who, resident_ref, "fulfilment", query)


@router.get(
    "/teams/{team_id}/fulfilment",
    response_model=list[ResidentFulfilmentPublic],
    summary="The team's residents: services due, done and overdue",
    description="For the team itself: who is signed but not served.",
)
async def get_team_fulfilment(
    team_id: str, request: Request, who: CurrentPrincipal, as_of: date | None = AsOf
) -> list[dict[str, Any]]:
    access.may_read_team(who, team_id)
    return await asyncio.to_thread(_view(request).for_team, team_id, as_of or today(request))
