"""Searching contracts: by team, doctor, resident, agreement, area, status, or ending soon.

Served from the contract index (a read model that follows the log within moments);
a single contract read by id comes from the store and is always current.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.problems import Problem
from signing.adapters.http import common
from signing.adapters.http.schemas.lifecycle import ContractPage
from signing.application import access
from signing.application.queries import ContractQuery

router = APIRouter(tags=["contracts"], responses=common.problems())


@router.get(
    "/contracts",
    response_model=ContractPage,
    summary="Search contracts (paged, ordered by last day)",
    description="Doctors see their team's, residents their own, officials their area's. "
    "`expiring_within_days=N` lists the active contracts ending by today + N: the renewals to plan.",
)
async def search_contracts(  # noqa: PLR0913
    request: Request,
    who: CurrentPrincipal,
    team_id: Annotated[str | None, Query(examples=["T-440106-001"])] = None,
    doctor_id: str | None = None,
    resident_ref: Annotated[str | None, Query(pattern=r"^r_[a-z2-7]{26}$")] = None,
    agreement_id: str | None = None,
    area: Annotated[str | None, Query(pattern=r"^\d{2,12}$", description="An area code prefix")] = None,
    status: Literal["active", "renewed", "terminated", "expired"] | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3 * 366, examples=[60])] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ContractPage:
    query = ContractQuery(
        team_id, doctor_id, resident_ref, agreement_id, area, status, after=_after(cursor), limit=limit
    )
    if expiring_within_days is not None:
        ends_by = today(request) + timedelta(days=expiring_within_days)
        query = replace(query, status="active", ends_by=ends_by)
    found = await asyncio.to_thread(common.index(request).search, access.contract_scope(who, query))
    page, more = found[:limit], len(found) > limit
    return ContractPage.model_validate({"items": page, "next_cursor": _cursor(page[-1]) if more else None})


def _cursor(last: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(f"{last['ends_on']}|{last['contract_id']}".encode()).decode()


def _after(cursor: str | None) -> tuple[date, str] | None:
    if cursor is None:
        return None
    try:
        ends_on, contract_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return date.fromisoformat(ends_on), contract_id
    except ValueError:
        raise Problem(400, "bad-cursor", "cursor must be a next_cursor this API returned") from None
