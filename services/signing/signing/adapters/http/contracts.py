"""Signing over HTTP: a resident's contract, a family's or community's agreement, and reads."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import IdempotencyKey, present, respond, run_command
from signing.adapters.http import common
from signing.adapters.http.schemas.contracts import (
    AgreementCreate,
    AgreementPublic,
    CombinedSigningIn,
    ContractCreate,
    ContractPublic,
    ResidentIn,
)
from signing.application import access, queries
from signing.application.commands import AgreementMember, SignAgreement, SignContract
from signing.application.views import agreement_view, contract_view
from signing.domain.agreement import Community
from signing.domain.contract import CombinedSigning, ResidentParty

router = APIRouter(tags=["contracts"], responses=common.problems())


def resident_party(r: ResidentIn) -> ResidentParty:
    return ResidentParty(
        r.identity_number, r.name, r.area_code, tuple(r.key_populations), r.medical_assistance, r.insurance_bureau_id
    )


def combined(c: CombinedSigningIn | None) -> CombinedSigning | None:
    return CombinedSigning(c.secondary_hospital_id, c.tertiary_hospital_id) if c else None


def codes(packages: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(packages))


@router.post(
    "/contracts",
    status_code=201,
    response_model=ContractPublic,
    summary="Sign a resident's contract with a team (or a single doctor)",
    description="Takes a place in the team (and the doctor's list) and fails when either is full, "
    "when the resident already has an active contract (switch instead), when a package is not offered "
    "in the team's area on the first day or not meant for the resident, when the term is not 1 to 3 "
    "years, or when the identity number is malformed. The resident may live in another area.",
    responses=common.problems(409),
)
async def sign_contract(body: ContractCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    contract_id = str(uuid.uuid4())
    command = SignContract(
        contract_id=contract_id,
        agreement_id=contract_id,  # an individual's agreement is their contract
        agreement_kind="individual",
        resident=resident_party(body.resident),
        team_id=body.team_id,
        doctor_id=body.doctor_id,
        package_codes=codes(body.packages),
        term_years=body.term_years,
        starts_on=body.starts_on or today(request),
        combined_signing=combined(body.combined_signing),
    )
    outcome = await run_command(request, who, key, common.signing(request).sign_contract(who, command))
    return respond(outcome, 201, f"/contracts/{outcome.result['contract_id']}")


@router.get(
    "/contracts/{contract_id}",
    response_model=ContractPublic,
    summary="A contract, with its version as ETag",
    responses=common.problems(404),
)
async def get_contract(contract_id: str, request: Request, who: CurrentPrincipal) -> Response:
    found, version = await queries.contract(common.store(request), contract_id)
    access.may_read_contract(who, found)
    return present(contract_view(found, version))


@router.post(
    "/agreements",
    status_code=201,
    response_model=AgreementPublic,
    tags=["agreements"],
    summary="Sign a family's or a functional community's agreement: every member, or none",
    description="One contract per member, all with the same team, term and start. Any refusal "
    "(team full, a member already contracted…) names the member and signs nobody.",
    responses=common.problems(409),
)
async def sign_agreement(
    body: AgreementCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey
) -> Response:
    agreement_id = str(uuid.uuid4())
    command = SignAgreement(
        agreement_id=agreement_id,
        kind=body.kind,
        community=Community(body.community.name, body.community.kind) if body.community else None,
        team_id=body.team_id,
        doctor_id=body.doctor_id,
        members=tuple(
            AgreementMember(str(uuid.uuid4()), resident_party(m.resident), codes(m.packages or body.packages))
            for m in body.members
        ),
        term_years=body.term_years,
        starts_on=body.starts_on or today(request),
        combined_signing=combined(body.combined_signing),
    )
    outcome = await run_command(request, who, key, common.signing(request).sign_agreement(who, command))
    return respond(outcome, 201, f"/agreements/{outcome.result['agreement_id']}")


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementPublic,
    tags=["agreements"],
    summary="An agreement and its members' contracts",
    responses=common.problems(404),
)
async def get_agreement(agreement_id: str, request: Request, who: CurrentPrincipal) -> Response:
    found, version, contracts = await queries.agreement(common.store(request), agreement_id)
    access.may_read_agreement(who, agreement_id, [c for c, _ in contracts])
    return present(agreement_view(found, version, [contract_view(c, v) for c, v in contracts]))
