"""The contract lifecycle over HTTP: renew, switch team, terminate, and the daily expiry job."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Request, Response

from shared.commands import Outcome
from shared.domain import DomainError
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import IdempotencyKey, VersionedCall, respond, run_command
from signing.adapters.http import common
from signing.adapters.http.contracts import codes, combined
from signing.adapters.http.schemas.contracts import ContractPublic
from signing.adapters.http.schemas.lifecycle import (
    ExpiryReport,
    ExpiryRun,
    RenewalCreate,
    Skipped,
    SwitchCreate,
    TerminationCreate,
)
from signing.application import access, queries
from signing.application.commands import Changes, ExpireContract, RenewContract, SwitchTeam, TerminateContract
from signing.domain.lifecycle import expiry_run

router = APIRouter(tags=["lifecycle"], responses=common.problems(404, 409, 412))


def _changes(body: RenewalCreate | SwitchCreate) -> Changes:
    return Changes(
        doctor_id=body.doctor_id,
        package_codes=codes(body.packages) if body.packages else None,
        term_years=body.term_years,
        key_populations=tuple(body.key_populations) if body.key_populations is not None else None,
        medical_assistance=body.medical_assistance,
        combined_signing=combined(body.combined_signing),
    )


@router.post(
    "/contracts/{contract_id}/renewal",
    status_code=201,
    response_model=ContractPublic,
    summary="Renew a contract: a new one continues it from the day after its end",
    description="Open from 90 days before the last day to 90 days after. The new contract names the "
    "one it renews; packages are priced from the catalogue in force on its first day.",
)
async def renew(contract_id: str, body: RenewalCreate, call: VersionedCall) -> Response:
    request = call.request
    old, _ = await queries.contract(common.store(request), contract_id)
    command = RenewContract(contract_id, str(uuid.uuid4()), _changes(body), today(request), call.expected)
    outcome = await call.run(common.lifecycle(request).renew(call.who, command, old))
    return respond(outcome, 201, f"/contracts/{outcome.result['contract_id']}")


@router.post(
    "/contracts/{contract_id}/switch",
    status_code=201,
    response_model=ContractPublic,
    summary="Switch the resident to another team: the old contract ends, the new one starts, atomically",
    description="The old contract is terminated (switched_team) on the day before the new one starts, "
    "and the new one names the contract it replaces.",
)
async def switch(contract_id: str, body: SwitchCreate, call: VersionedCall) -> Response:
    request, store = call.request, common.store(call.request)
    old, _ = await queries.contract(store, contract_id)
    previous = await queries.predecessor(store, old)
    starts_on = body.starts_on or today(request)
    command = SwitchTeam(contract_id, str(uuid.uuid4()), body.team_id, starts_on, _changes(body), call.expected)
    outcome = await call.run(common.lifecycle(request).switch(call.who, command, old, previous))
    return respond(outcome, 201, f"/contracts/{outcome.result['contract_id']}")


@router.post(
    "/contracts/{contract_id}/termination",
    response_model=ContractPublic,
    summary="Terminate a contract early: the resident's request, death, or moving away",
    description="Frees the team's place and the resident. `last_day` defaults to today.",
)
async def terminate(contract_id: str, body: TerminationCreate, call: VersionedCall) -> Response:
    request, store = call.request, common.store(call.request)
    old, _ = await queries.contract(store, contract_id)
    previous = await queries.predecessor(store, old)
    command = TerminateContract(contract_id, body.reason, body.last_day, today(request), call.expected)
    return respond(await call.run(common.lifecycle(request).terminate(call.who, command, old, previous)), 200)


@router.post(
    "/contracts/expiries",
    response_model=ExpiryReport,
    summary="The daily job: expire the active contracts whose last day is before `as_of`",
    description="Run by a CronJob as an administrator; tests choose `as_of`, never later than today "
    "(422 as-of-in-the-future). Each contract is its own command (keyed by this request's key and the "
    "contract), so a repeat changes nothing.",
)
async def expire(body: ExpiryRun, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> ExpiryReport:
    access.may_run_schedules(who)
    as_of = expiry_run(body.as_of, today(request))
    due = await asyncio.to_thread(common.index(request).due_to_expire, as_of, body.limit)
    work = common.lifecycle(request).expire
    outcomes = await asyncio.gather(
        *(
            run_command(request, who, f"{key}:{d['contract_id']}", work(who, ExpireContract(as_of=as_of, **d)))
            for d in due
        ),
        return_exceptions=True,
    )
    report = ExpiryReport(as_of=as_of, expired=[], skipped=[], more=len(due) == body.limit)
    for d, outcome in zip(due, outcomes, strict=True):
        if isinstance(outcome, Outcome):
            report.expired.append(d["contract_id"])
        elif isinstance(outcome, DomainError):
            report.skipped.append(Skipped(contract_id=d["contract_id"], reason=outcome.code))
        else:
            raise outcome
    return report
