"""The first slice's figure over HTTP: how many contracts each team has signed."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from appraisal.adapters.projections.contracts_signed import ContractsSignedByTeam
from appraisal.application import access
from shared.domain import NotFound
from shared.web.auth import CurrentPrincipal
from shared.web.held import Held
from shared.web.pages import PageOf, cursor_of, position_of

router = APIRouter(tags=["appraisal"])


class TeamContractsSigned(BaseModel):
    team_id: str
    institution_id: str
    area_code: str
    contracts_signed: int


_view = Held[ContractsSignedByTeam]("contracts_signed")


@router.get(
    "/teams/{team_id}/contracts-signed",
    response_model=TeamContractsSigned,
    summary="How many contracts a team has signed",
)
async def team_contracts_signed(team_id: str, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    row = await asyncio.to_thread(_view(request).for_team, team_id)
    access.may_read_team(who, team_id, str(row["area_code"]) if row else None)
    if row is None:
        raise NotFound(f"no contract signed with team {team_id} yet")
    return row


class ContractsSignedPage(BaseModel):
    items: list[TeamContractsSigned]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


@router.get(
    "/contracts-signed",
    response_model=ContractsSignedPage,
    summary="Contracts signed per team in an area, a page of teams at a time",
    description="The area's teams by id that signed a contract; a page may hold fewer than `limit` (a team "
    "that signed none is left out): pass `next_cursor` as `cursor` for the next.",
)
async def contracts_signed(
    request: Request,
    who: CurrentPrincipal,
    page: Annotated[PageOf, Depends()],
    area: str = Query(pattern=r"^\d{2,12}$", examples=["440106"]),
) -> dict[str, Any]:
    after = "" if page.cursor is None else position_of(page.cursor, _team)
    found, last = await asyncio.to_thread(_view(request).in_area, access.area_scope(who, area), after, page.limit)
    return {"items": found, "next_cursor": cursor_of(last) if last else None}


def _team(found: Any) -> str:
    if not isinstance(found, str):
        raise TypeError("a team's id")
    return found
