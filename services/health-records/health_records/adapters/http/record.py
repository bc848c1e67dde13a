"""The health record over HTTP: read it (logged), amend it, list who looked at it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from health_records.adapters.http.common import (
    PROBLEMS,
    ResidentRef,
    logged_read,
    queries,
    records,
)
from health_records.adapters.http.schemas_in import (
    AllergyIn,
    BasicInformationIn,
    ConditionIn,
    FamilyHistoryIn,
    RecentInformationIn,
    ResolutionIn,
)
from health_records.adapters.http.schemas_out import HistoryPublic, ReadLogPublic, RecordPublic
from health_records.application.commands import (
    AmendRecord,
    RecordAllergy,
    RecordAmendment,
    RecordBasicInformation,
    RecordCondition,
    RecordFamilyHistory,
    RecordRecentInformation,
    ResolveCondition,
)
from health_records.domain.record_events import Allergy, BasicInformation, Condition, FamilyHistory, RecentInformation
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import Call, CommandCall, respond
from shared.web.problems import Problem

router = APIRouter(prefix="/residents/{resident_ref}/record", tags=["record"], responses=PROBLEMS)


@router.get("", response_model=RecordPublic, summary="A resident's health record, with its version as ETag")
async def get_record(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    return await logged_read(
        request, who, resident_ref, "record", lambda: queries(request).record(who, resident_ref, day)
    )


@router.get("/history", response_model=HistoryPublic, summary="Every change to the record: when, by whom, what")
async def get_history(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal) -> Response:
    day = today(request)
    query = lambda: queries(request).history(who, resident_ref, day)  # noqa: E731
    return await logged_read(request, who, resident_ref, "history", query)


MAX_READ = 2**62  # a read's number in its stream (a bigint there), with room for the page before it


@dataclass(frozen=True)
class ReadsPage:
    """Where a page of the read log starts (the previous page's `next_cursor`) and its size."""

    cursor: Annotated[str | None, Query(max_length=20, description="`next_cursor` of the previous page")] = None
    limit: Annotated[int, Query(ge=1, le=500)] = 100

    def before(self) -> int | None:
        """The number of the read the page comes before: the cursor is one this API returned."""
        if self.cursor is None:
            return None
        if not (self.cursor.isascii() and self.cursor.isdigit()) or not 1 <= int(self.cursor) <= MAX_READ:
            raise Problem(400, "bad-cursor", "cursor must be the next_cursor of a page this API returned")
        return int(self.cursor)


@router.get(
    "/reads",
    response_model=ReadLogPublic,
    summary="Who looked at my record",
    description="For the resident only: every read of the record, plan or services by a professional, latest "
    "first, a page at a time (pass `next_cursor` as `cursor` for the next page).",
)
async def get_reads(
    resident_ref: ResidentRef, request: Request, who: CurrentPrincipal, page: Annotated[ReadsPage, Depends()]
) -> dict[str, Any]:
    return await queries(request).reads(who, resident_ref, page.before(), page.limit)


async def _amend(call: Call, ref: str, amendment: RecordAmendment, status: int) -> Response:
    command = AmendRecord(ref, amendment, call.expected)
    outcome = await call.run(records(call.request).amend_record(call.who, command))
    return respond(outcome, status, f"/residents/{ref}/record")


@router.put(
    "/basic-information",
    response_model=RecordPublic,
    summary="Record the resident's basic information",
    description="An identity number given must be the resident's own (its pseudonym is their ref).",
)
async def record_basic_information(resident_ref: ResidentRef, body: BasicInformationIn, call: CommandCall) -> Response:
    number = body.identity_number.upper() if body.identity_number else None
    info = BasicInformation(**body.model_dump() | {"identity_number": number})
    return await _amend(call, resident_ref, RecordBasicInformation(info), 200)


@router.post("/conditions", status_code=201, response_model=RecordPublic, summary="Record a condition (ICD-10)")
async def record_condition(resident_ref: ResidentRef, body: ConditionIn, call: CommandCall) -> Response:
    return await _amend(call, resident_ref, RecordCondition(Condition(**body.model_dump())), 201)


@router.post("/conditions/{code}/resolution", response_model=RecordPublic, summary="A condition has resolved")
async def resolve_condition(resident_ref: ResidentRef, code: str, body: ResolutionIn, call: CommandCall) -> Response:
    amendment = ResolveCondition(code, body.resolved_on or today(call.request))
    return await _amend(call, resident_ref, amendment, 200)


@router.post("/allergies", status_code=201, response_model=RecordPublic, summary="Record an allergy")
async def record_allergy(resident_ref: ResidentRef, body: AllergyIn, call: CommandCall) -> Response:
    return await _amend(call, resident_ref, RecordAllergy(Allergy(**body.model_dump())), 201)


@router.post("/family-history", status_code=201, response_model=RecordPublic, summary="Record a relative's condition")
async def record_family_history(resident_ref: ResidentRef, body: FamilyHistoryIn, call: CommandCall) -> Response:
    return await _amend(call, resident_ref, RecordFamilyHistory(FamilyHistory(**body.model_dump())), 201)


@router.post(
    "/recent-information", status_code=201, response_model=RecordPublic, summary="Record recent medical information"
)
async def record_recent_information(
    resident_ref: ResidentRef, body: RecentInformationIn, call: CommandCall
) -> Response:
    amendment = RecordRecentInformation(RecentInformation(**body.model_dump()))
    return await _amend(call, resident_ref, amendment, 201)
