"""Services delivered to a resident over HTTP: visits, long prescriptions, family sickbeds, ratings."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from health_records.adapters.http.common import (
    PROBLEMS,
    ResidentRef,
    delivery,
    logged_read,
    queries,
)
from health_records.adapters.http.schemas_in import (
    DischargeIn,
    LongPrescriptionCreate,
    RatingCreate,
    SickbedCreate,
    VisitCreate,
)
from health_records.adapters.http.schemas_out import (
    Listing,
    PrescriptionPublic,
    RatingPublic,
    SickbedPublic,
    VisitPublic,
)
from health_records.application.commands import (
    AdmitToSickbed,
    CompleteVisit,
    DischargeFromSickbed,
    IssueLongPrescription,
    RateService,
)
from health_records.domain.care_events import Measurement, Scores
from health_records.domain.feedback import Rating
from health_records.domain.prescriptions import Prescription
from health_records.domain.sickbeds import Admission
from health_records.domain.visits import VisitReport
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import CommandCall, respond

router = APIRouter(prefix="/residents/{resident_ref}", tags=["services"], responses=PROBLEMS)


@router.post(
    "/visits",
    status_code=201,
    response_model=VisitPublic,
    summary="Record a visit",
    description="By a member of the team in charge; measurements must be plausible, and a planned "
    "service it fulfils must have its measurements taken (a hypertension follow-up: blood pressure).",
)
async def complete_visit(resident_ref: ResidentRef, body: VisitCreate, call: CommandCall) -> Response:
    now = call.request.app.state.clock()
    occurred_at = body.occurred_at or now
    report = VisitReport(
        visit_id=str(uuid.uuid4()),
        team_id="",  # the caller's team, decided by the access rules
        member_id=body.member_id,
        place=body.place,
        fulfils=tuple(body.fulfils),
        measurements=tuple(Measurement(m.kind, m.value, m.unit) for m in body.measurements),
        summary=body.summary,
        occurred_at=occurred_at,
        occurred_on=occurred_at.astimezone(call.request.app.state.zone).date(),
    )
    outcome = await call.run(delivery(call.request).complete_visit(call.who, CompleteVisit(resident_ref, report)))
    return respond(outcome, 201, f"/residents/{resident_ref}/visits/{outcome.result['visit_id']}")


@router.get("/visits", response_model=Listing[VisitPublic], summary="A resident's visits")
async def list_visits(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    return await logged_read(
        request, who, resident_ref, "visits", lambda: queries(request).visits(who, resident_ref, day)
    )


@router.get("/visits/{visit_id}", response_model=VisitPublic, summary="One visit")
async def get_visit(resident_ref: ResidentRef, visit_id: str, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    query = lambda: queries(request).visit(who, resident_ref, visit_id, day)  # noqa: E731
    return await logged_read(request, who, resident_ref, "visits", query)


@router.post("/long-prescriptions", status_code=201, response_model=PrescriptionPublic, summary="Issue one")
async def issue_long_prescription(
    resident_ref: ResidentRef, body: LongPrescriptionCreate, call: CommandCall
) -> Response:
    p = Prescription(
        str(uuid.uuid4()),
        "",  # the caller's team
        body.member_id,
        body.condition,
        body.days,
        tuple(body.medicines),
        body.issued_on or today(call.request),
    )
    outcome = await call.run(
        delivery(call.request).issue_long_prescription(call.who, IssueLongPrescription(resident_ref, p))
    )
    return respond(outcome, 201, f"/residents/{resident_ref}/long-prescriptions")


@router.get(
    "/long-prescriptions", response_model=Listing[PrescriptionPublic], summary="A resident's long prescriptions"
)
async def list_long_prescriptions(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    query = lambda: queries(request).prescriptions(who, resident_ref, day)  # noqa: E731
    return await logged_read(request, who, resident_ref, "prescriptions", query)


@router.post("/sickbeds", status_code=201, response_model=SickbedPublic, summary="Admit to a family sickbed")
async def admit_to_sickbed(resident_ref: ResidentRef, body: SickbedCreate, call: CommandCall) -> Response:
    admission = Admission(str(uuid.uuid4()), "", body.reason, body.admitted_on or today(call.request))
    outcome = await call.run(delivery(call.request).admit_to_sickbed(call.who, AdmitToSickbed(resident_ref, admission)))
    return respond(outcome, 201, f"/residents/{resident_ref}/sickbeds")


@router.post("/sickbeds/{sickbed_id}/discharge", response_model=SickbedPublic, summary="Discharge from it")
async def discharge_from_sickbed(
    resident_ref: ResidentRef, sickbed_id: str, body: DischargeIn, call: CommandCall
) -> Response:
    command = DischargeFromSickbed(resident_ref, sickbed_id, body.discharged_on or today(call.request))
    outcome = await call.run(delivery(call.request).discharge_from_sickbed(call.who, command))
    return respond(outcome, 200)


@router.get("/sickbeds", response_model=Listing[SickbedPublic], summary="A resident's family sickbeds")
async def list_sickbeds(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    query = lambda: queries(request).sickbeds(who, resident_ref, day)  # noqa: E731
    return await logged_read(request, who, resident_ref, "sickbeds", query)


@router.post(
    "/ratings",
    status_code=201,
    response_model=RatingPublic,
    summary="Rate the team's service",
    description="By the resident, within an active or recent contract with the team; the comment stays here.",
)
async def rate_service(resident_ref: ResidentRef, body: RatingCreate, call: CommandCall) -> Response:
    scores = Scores(body.ability, body.attitude, body.responsiveness)
    rating = Rating(str(uuid.uuid4()), body.team_id, scores, body.comment)
    outcome = await call.run(delivery(call.request).rate_service(call.who, RateService(resident_ref, rating)))
    return respond(outcome, 201)
