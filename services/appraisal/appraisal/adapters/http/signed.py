"""The first slice's figure over HTTP: how many contracts each team has signed."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from appraisal.adapters.projections.contracts_signed import ContractsSignedByTeam
from appraisal.application import access
from shared.domain import NotFound
from shared.web.auth import CurrentPrincipal
from shared.web.held import Held

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


@router.get(
    "/contracts-signed", response_model=list[TeamContractsSigned], summary="Contracts signed per team in an area"
)
async def contracts_signed(
    request: Request, who: CurrentPrincipal, area: str = Query(pattern=r"^\d{2,12}$", examples=["440106"])
) -> list[dict[str, Any]]:
    return await asyncio.to_thread(_view(request).in_area, access.area_scope(who, area))
