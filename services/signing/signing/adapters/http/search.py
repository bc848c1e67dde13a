"""Searching contracts: by team, doctor, resident, agreement, area, status, or ending soon.

Served from the contract index (a read model that follows the log within moments);
a single contract read by id comes from the store and is always current.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.problems import Problem
from signing.adapters.http import common
from signing.adapters.http.schemas.lifecycle import ContractPage
from signing.application import access
from signing.application.queries import ContractQuery

router = APIRouter(tags=["contracts"], responses=common.problems())


@dataclass(frozen=True)
class ContractFilters:
    """Which contracts: each given filter narrows the search (the caller's scope narrows it again)."""

    team_id: Annotated[str | None, Query(examples=["T-440106-001"])] = None
    doctor_id: str | None = None
    resident_ref: Annotated[str | None, Query(pattern=r"^r_[a-z2-7]{26}$")] = None
    agreement_id: str | None = None
    area: Annotated[str | None, Query(pattern=r"^\d{2,12}$", description="An area code prefix")] = None
    status: Literal["active", "renewed", "terminated", "expired"] | None = None
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3 * 366, examples=[60])] = None

    def query(self, after: tuple[date, str] | None, limit: int) -> ContractQuery:
        return ContractQuery(
            self.team_id, self.doctor_id, self.resident_ref, self.agreement_id, self.area, self.status,
            after=after, limit=limit,
        )  # fmt: skip


@dataclass(frozen=True)
class PageOf:
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None
    limit: Annotated[int, Query(ge=1, le=500)] = 50


@router.get(
    "/contracts",
    response_model=ContractPage,
    summary="Search contracts (paged, ordered by last day)",
    description="Doctors see their team's, residents their own, officials their area's. "
    "`expiring_within_days=N` lists the active contracts ending by today + N: the renewals to plan.",
)
async def search_contracts(
    request: Request,
    who: CurrentPrincipal,
    asked: Annotated[ContractFilters, Depends()],
    page: Annotated[PageOf, Depends()],
) -> ContractPage:
    query = asked.query(_after(page.cursor), page.limit)
    if asked.expiring_within_days is not None:
        ends_by = today(request) + timedelta(days=asked.expiring_within_days)
        query = replace(query, status="active", ends_by=ends_by)
    found = await asyncio.to_thread(common.index(request).search, access.contract_scope(who, query))
    items, more = found[: page.limit], len(found) > page.limit
    return ContractPage.model_validate({"items": items, "next_cursor": _cursor(items[-1]) if more else None})


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
