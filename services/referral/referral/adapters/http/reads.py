"""Referral's reads over HTTP: a referral (also as FHIR), a hospital's or team's list, a hospital's feed."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from referral.adapters.http import fhir
from referral.adapters.http import schemas as s
from referral.adapters.http.commands import PROBLEMS
from referral.adapters.projections.read_models import ReferralOverview, feed_page
from referral.application import access
from referral.application.referrals import Referrals
from referral.application.views import referral_view
from referral.domain.referral import Status
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import Position
from shared.web.commands import present
from shared.web.held import Held

router = APIRouter(tags=["referral reads"], responses=PROBLEMS)
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get(
    "/referrals/{referral_id}",
    response_model=s.ReferralPublic,
    summary="A referral with the patient's identity, its state and timing; its version as ETag",
    description="For the hospital it is addressed to, the referring team and the resident.",
)
async def get_referral(referral_id: str, request: Request, who: CurrentPrincipal) -> Response:
    referral, version = await Referrals.referral(request.app.state.store, who, referral_id)
    return present(referral_view(referral, version))


@router.get(
    "/referrals/{referral_id}/fhir",
    summary="The referral as HL7 FHIR R4: a Bundle of its ServiceRequest, Task and Patient",
    response_class=Response,
    responses={200: {"content": {fhir.MEDIA_TYPE: {}}}},
)
async def get_referral_fhir(referral_id: str, request: Request, who: CurrentPrincipal) -> Response:
    referral, version = await Referrals.referral(request.app.state.store, who, referral_id)
    body = fhir.bundle(referral, version).model_dump_json(exclude_none=True)
    return Response(body, 200, {"ETag": f'"{version}"'}, media_type=fhir.MEDIA_TYPE)


@router.get(
    "/hospitals/{hospital_id}/referrals",
    response_model=list[s.ReferralListed],
    summary="The referrals addressed to a hospital, newest first",
)
async def hospital_referrals(
    hospital_id: str, request: Request, who: CurrentPrincipal, status: Status | None = None, limit: Limit = 100
) -> list[dict[str, Any]]:
    access.may_read_hospital(who, hospital_id)
    return await asyncio.to_thread(_overview(request).listed, "hospital_id", hospital_id, status, limit)


@router.get(
    "/teams/{team_id}/referrals", response_model=list[s.ReferralListed], summary="A team's referrals, newest first"
)
async def team_referrals(
    team_id: str, request: Request, who: CurrentPrincipal, status: Status | None = None, limit: Limit = 100
) -> list[dict[str, Any]]:
    access.may_read_team(who, team_id)
    return await asyncio.to_thread(_overview(request).listed, "team_id", team_id, status, limit)


@router.get(
    "/hospitals/{hospital_id}/feed",
    response_model=s.FeedPage,
    summary="A hospital's referral events in order, for a hospital without a Kafka consumer",
    description="The same CloudEvents as on the hospital's topic. Keep `next_after` and pass it as "
    "`after` next time: reading resumes where it stopped, with no gap and no duplicate; `after=0` replays.",
)
async def hospital_feed(
    hospital_id: str,
    request: Request,
    who: CurrentPrincipal,
    after: Annotated[Position, Query()] = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    access.may_read_hospital(who, hospital_id)
    return await asyncio.to_thread(feed_page, request.app.state.engine, hospital_id, after, limit)


_overview = Held[ReferralOverview]("overview")
