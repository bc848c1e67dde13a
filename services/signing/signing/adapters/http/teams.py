"""Teams and the package catalogue over HTTP: request → command → handler → response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import BusinessDate
from shared.web.commands import IdempotencyKey, VersionedCall, present, respond, run_command
from signing.adapters.http import common
from signing.adapters.http.schemas.teams import CapChange, MemberIn, PackageOffer, TeamCreate, TeamPublic
from signing.application import queries
from signing.application.commands import ChangeCap, JoinTeam, LeaveTeam, RegisterTeam
from signing.application.views import package_view, team_view
from signing.domain.team import Member, TeamRegistered

router = APIRouter(tags=["teams"], responses=common.problems())


def _member(m: MemberIn, request: Request) -> Member:
    doctor = Member(m.member_id, m.role).contracting
    return Member(m.member_id, m.role, m.resident_cap or (common.doctor_cap(request) if doctor else None))


@router.post(
    "/teams",
    status_code=201,
    response_model=TeamPublic,
    summary="Register a family doctor team, or a single doctor as contracting subject",
    description="Contracting doctors without a `resident_cap` get the configured default (2,000).",
    responses=common.problems(409),
)
async def register_team(body: TeamCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    registration = TeamRegistered(
        team_id=body.team_id,
        name=body.name,
        institution_id=body.institution_id,
        institution_kind=body.institution_kind,
        area_code=body.area_code,
        members=tuple(_member(m, request) for m in body.members),
        resident_cap=body.resident_cap,
        registered_at=request.app.state.clock(),
        subject=body.subject,
    )
    work = common.teams(request).register(who, RegisterTeam(registration))
    return respond(await run_command(request, who, key, work), 201, f"/teams/{body.team_id}")


@router.get(
    "/teams/{team_id}",
    response_model=TeamPublic,
    summary="A team, its caps and places taken (ETag)",
    responses=common.problems(404),
)
async def get_team(team_id: str, request: Request, who: CurrentPrincipal) -> Response:
    return present(team_view(*await queries.team(common.store(request), team_id)))


@router.post(
    "/teams/{team_id}/members",
    response_model=TeamPublic,
    summary="A member joins the team",
    responses=common.problems(404, 409, 412),
)
async def join_team(team_id: str, body: MemberIn, call: VersionedCall) -> Response:
    command = JoinTeam(team_id, _member(body, call.request), call.expected)
    return respond(await call.run(common.teams(call.request).join(call.who, command)), 200)


@router.delete(
    "/teams/{team_id}/members/{member_id}",
    response_model=TeamPublic,
    summary="A member leaves the team (a doctor once no resident is contracted with them)",
    responses=common.problems(404, 409, 412),
)
async def leave_team(team_id: str, member_id: str, call: VersionedCall) -> Response:
    command = LeaveTeam(team_id, member_id, call.expected)
    return respond(await call.run(common.teams(call.request).leave(call.who, command)), 200)


@router.put(
    "/teams/{team_id}/resident-cap",
    response_model=TeamPublic,
    summary="Change the most residents the team may hold",
    responses=common.problems(404, 409, 412),
)
async def change_team_cap(team_id: str, body: CapChange, call: VersionedCall) -> Response:
    command = ChangeCap(team_id, None, body.resident_cap, call.expected)
    return respond(await call.run(common.teams(call.request).change_cap(call.who, command)), 200)


@router.put(
    "/teams/{team_id}/members/{member_id}/resident-cap",
    response_model=TeamPublic,
    summary="Change the most residents one of the team's doctors may hold",
    responses=common.problems(404, 409, 412),
)
async def change_doctor_cap(team_id: str, member_id: str, body: CapChange, call: VersionedCall) -> Response:
    command = ChangeCap(team_id, member_id, body.resident_cap, call.expected)
    return respond(await call.run(common.teams(call.request).change_cap(call.who, command)), 200)


@router.get(
    "/packages",
    response_model=list[PackageOffer],
    tags=["packages"],
    summary="The package catalogue: what is offered in an area on a date, or every entry",
    description="With `area`, each package as its most local entry in force on `on` (default today); "
    "without, the whole catalogue with its areas and dates.",
)
async def list_packages(
    request: Request,
    who: CurrentPrincipal,
    area: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}(\d{3})?)?$", examples=["440106"])] = None,
    on: Annotated[BusinessDate | None, Query(examples=["2026-03-01"])] = None,
) -> list[dict[str, Any]]:
    catalogue = common.catalogue(request)
    packages = catalogue.packages if area is None else catalogue.offered_in(area, on or today(request))
    return [package_view(p) for p in packages]
