"""Referral's commands over HTTP: request → command → handler → response, nothing more."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from referral.adapters.http import schemas as s
from referral.adapters.projections.read_models import ReferralOverview
from referral.application import commands as c
from referral.application.referrals import Referrals
from referral.domain.lifecycle import Appointment, Draft
from referral.domain.referral import Patient
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import Call, CommandCall, IdempotencyKey, respond, run_command
from shared.web.held import Held
from shared.web.openapi import problem_responses

PROBLEMS = problem_responses(
    401,
    403,
    described={
        400: "Malformed request",
        404: "No such referral, or not one this caller may see",
        409: "Not allowed in the referral's present state, or a concurrent update",
        412: "The referral changed since the ETag given in If-Match",
        422: "Invalid or refused by a rule",
    },
)

router = APIRouter(tags=["referral"], responses=PROBLEMS)


_referrals = Held[Referrals]("referrals")


@router.post(
    "/referrals",
    status_code=201,
    response_model=s.ReferralPublic,
    summary="Refer a resident contracted with your team to a hospital department",
    description="The green channel is open at the resident's '1+1+1' hospitals only. The referral "
    "expires unless the hospital accepts it within the configured time.",
)
async def issue(body: s.ReferralCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    p = body.patient
    draft = Draft(
        referral_id=str(uuid.uuid4()),
        resident_ref=request.app.state.pseudonymise(p.identity_number),
        patient=Patient(p.identity_number.upper(), p.name, p.phone),
        team_id=who.team_id or "",
        issued_by=who.subject,
        hospital_id=body.hospital_id,
        department=body.department,
        priority=body.priority,
        reason=body.reason,
        clinical_summary=body.clinical_summary,
    )
    work = _referrals(request).issue(who, c.IssueReferral(draft, today(request)))
    outcome = await run_command(request, who, key, work)
    return respond(outcome, 201, f"/referrals/{outcome.result['referral_id']}")


_STEP: dict[str, Any] = {"response_model": s.ReferralPublic, "tags": ["referral steps"]}


async def _take(call: Call, referral_id: str, step: c.Step) -> Response:
    work = Referrals.take(call.who, referral_id, call.expected, step)
    return respond(await call.run(work), 200)


@router.post("/referrals/{referral_id}/accept", summary="The hospital accepts, with an appointment", **_STEP)
async def accept(referral_id: str, body: s.AcceptanceIn, call: CommandCall) -> Response:
    step = c.AcceptReferral(Appointment(body.department, body.doctor, body.appointment_at))
    return await _take(call, referral_id, step)


@router.post("/referrals/{referral_id}/decline", summary="The hospital declines, saying why", **_STEP)
async def decline(referral_id: str, body: s.ReasonIn, call: CommandCall) -> Response:
    return await _take(call, referral_id, c.DeclineReferral(body.reason))


@router.post("/referrals/{referral_id}/complete", summary="The hospital completes, with its summary", **_STEP)
async def complete(referral_id: str, body: s.CompletionIn, call: CommandCall) -> Response:
    return await _take(call, referral_id, c.CompleteReferral(body.summary_kind, body.summary))


@router.post("/referrals/{referral_id}/down-refer", summary="The hospital refers the resident back", **_STEP)
async def down_refer(referral_id: str, body: s.DownReferralIn, call: CommandCall) -> Response:
    return await _take(call, referral_id, c.ReferBackDown(body.purpose, body.instructions))


@router.post(
    "/referrals/{referral_id}/acknowledge-down-referral", summary="The family doctor takes the resident back", **_STEP
)
async def acknowledge(referral_id: str, call: CommandCall) -> Response:
    return await _take(call, referral_id, c.AcknowledgeDownReferral())


@router.post("/referrals/{referral_id}/cancel", summary="The referring team cancels, before acceptance", **_STEP)
async def cancel(referral_id: str, body: s.ReasonIn, call: CommandCall) -> Response:
    return await _take(call, referral_id, c.CancelReferral(body.reason))


@router.post(
    "/referrals/expire",
    response_model=s.Expired,
    summary="Scheduled: expire referrals not accepted in time",
    description="Run by a CronJob with an administrator's token; `as_of` is the moment it runs for, "
    "now at the latest (422 as-of-in-the-future).",
)
async def expire(body: s.ExpiryRun, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    as_of = Referrals.expiry_run(who, body.as_of, request.app.state.clock())
    overview: ReferralOverview = request.app.state.overview
    due = await asyncio.to_thread(overview.overdue, as_of, body.limit)
    work = Referrals.expire_overdue(who, c.ExpireOverdue(tuple(due), as_of))
    return respond(await run_command(request, who, key, work), 200)
