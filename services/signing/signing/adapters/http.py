"""Signing's HTTP API: request → command → handler → response, nothing more."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from shared.web.auth import CurrentPrincipal
from shared.web.commands import IdempotencyKey, present, respond, run_command
from signing.adapters.schemas import ContractCreate, ContractPublic, TeamCreate, TeamPublic
from signing.application.commands import RegisterTeam, SignContract
from signing.application.signing import Signing
from signing.domain.contract import CombinedSigning, ResidentParty
from signing.domain.team import Member, TeamRegistered

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in [
        (400, "Malformed request"),
        (401, "No valid bearer token"),
        (403, "Not allowed for this caller"),
        (409, "Refused by a rule or a concurrent update"),
        (422, "Invalid or refused by a rule"),
    ]
}

router = APIRouter(tags=["signing"], responses=PROBLEMS)


def _today(request: Request) -> date:
    local: date = request.app.state.clock().astimezone(request.app.state.zone).date()
    return local


def _signing(request: Request) -> Signing:
    return request.app.state.signing  # type: ignore[no-any-return]


@router.post("/teams", status_code=201, response_model=TeamPublic, summary="Register a family doctor team")
async def register_team(body: TeamCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    registration = TeamRegistered(
        team_id=body.team_id,
        name=body.name,
        institution_id=body.institution_id,
        institution_kind=body.institution_kind,
        area_code=body.area_code,
        members=tuple(Member(m.member_id, m.role, m.resident_cap) for m in body.members),
        resident_cap=body.resident_cap,
        registered_at=request.app.state.clock(),
    )
    handler = _signing(request).register_team(who, RegisterTeam(registration))
    return respond(await run_command(request, who, key, handler), 201, f"/teams/{body.team_id}")


@router.get("/teams/{team_id}", response_model=TeamPublic, summary="A team and its places taken")
async def get_team(team_id: str, request: Request, who: CurrentPrincipal) -> Response:
    return present(await asyncio.to_thread(Signing.team, request.app.state.store, team_id))


@router.post(
    "/contracts",
    status_code=201,
    response_model=ContractPublic,
    summary="Sign a resident's contract with a team",
    description="Takes a place in the team (and the doctor's list) and fails when either is full, "
    "when the resident already has an active contract, or a package is not offered.",
)
async def sign_contract(body: ContractCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    r = body.resident
    command = SignContract(
        contract_id=str(uuid.uuid4()),
        agreement_id=str(uuid.uuid4()),
        agreement_kind="individual",
        resident=ResidentParty(
            r.identity_number,
            r.name,
            r.area_code,
            tuple(r.key_populations),
            r.medical_assistance,
            r.insurance_bureau_id,
        ),
        team_id=body.team_id,
        doctor_id=body.doctor_id,
        package_codes=tuple(body.packages),
        term_years=body.term_years,
        starts_on=body.starts_on or _today(request),
        combined_signing=CombinedSigning(
            body.combined_signing.secondary_hospital_id, body.combined_signing.tertiary_hospital_id
        )
        if body.combined_signing
        else None,
    )
    outcome = await run_command(request, who, key, _signing(request).sign_contract(who, command))
    return respond(outcome, 201, f"/contracts/{outcome.result['contract_id']}")


@router.get("/contracts/{contract_id}", response_model=ContractPublic, summary="A contract, with its version as ETag")
async def get_contract(contract_id: str, request: Request, who: CurrentPrincipal) -> Response:
    return present(await asyncio.to_thread(Signing.contract, request.app.state.store, who, contract_id))
