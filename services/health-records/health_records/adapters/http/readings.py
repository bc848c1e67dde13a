"""A resident's device readings over HTTP: for the resident and the team in charge, newest first, a
page at a time; a professional's read is logged as every read of the record is."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from health_records.adapters.http.common import PROBLEMS, ResidentRef, logged_read
from health_records.application.reading_views import MAX_DAYS, ReadingsWanted, ReadingViews
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import BusinessDate, BusinessMoment
from shared.web.held import Held

router = APIRouter(tags=["devices"], responses=PROBLEMS)
Kind = Literal["systolic", "diastolic", "heart_rate", "glucose", "steps"]  # RANGES's

_views = Held[ReadingViews]("reading_views")


class ReadingPublic(BaseModel):
    device_id: str
    kind: Kind
    value: float
    unit: str
    measured_at: str
    fasting: bool
    implausible: bool = Field(description="Out of the plausible ranges, in another unit or from the future: kept")
    out_of_target: bool = Field(description="At or above the resident's target: the team was alerted")
    target: float | None = Field(description="The limit an out-of-target reading reached")
    received_at: str


class ReadingsPublic(BaseModel):
    resident_ref: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    items: list[ReadingPublic]
    next_before: str | None = Field(
        description="`before` for the next page (which may be empty); none: no older readings in the period"
    )


async def _wanted(
    kind: Kind | None = None,
    first: Annotated[
        BusinessDate | None, Query(alias="from", description="A local day; by default a year before `to`")
    ] = None,
    last: Annotated[BusinessDate | None, Query(alias="to", description="A local day; by default today")] = None,
    before: Annotated[BusinessMoment | None, Query(description="The last page's `next_before`")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ReadingsWanted:
    return ReadingsWanted(first, last, kind, before, limit)


Wanted = Annotated[ReadingsWanted, Depends(_wanted)]


@router.get(
    "/residents/{resident_ref}/readings",
    response_model=ReadingsPublic,
    summary="A resident's device readings",
    description="For the resident and the team in charge (a professional's read is logged): the readings of "
    f"the local days `from` to `to` (at most {MAX_DAYS}), newest first, a page at a time (`before`: the last "
    "page's `next_before`; a page never splits the readings of one instant). Each says whether it was flagged "
    "implausible and whether it was out of the resident's target.",
)
async def list_readings(resident_ref: ResidentRef, request: Request, who: CurrentPrincipal, wanted: Wanted) -> Response:
    day, views = today(request), _views(request)
    return await logged_read(
        request,
        who,
        resident_ref,
        "readings",
        lambda: asyncio.to_thread(views.of_resident, who, resident_ref, day, wanted),
    )
