"""The settlement view and the bureaus' feed over HTTP: what bureaus, officials and institutions read."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from billing.adapters import view_queries
from billing.adapters.schemas import Charges, FeedPage, Figures, Reconciliation
from billing.adapters.tables import BUREAU_FEED
from billing.application import access
from billing.application.scope import Scope
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import YEAR_OR_MONTH, Position

router = APIRouter(prefix="", tags=["settlement view"])


def _asked(
    period: Annotated[str, Query(pattern=YEAR_OR_MONTH, description="2026-03, or 2026 for the year")] = "",
    bureau_id: str | None = None,
    institution_id: str | None = None,
    area_code: Annotated[str, Query(pattern=r"^(\d{2}){0,6}$")] = "",
    payer: str | None = None,
) -> Scope:
    return Scope(period, bureau_id, institution_id, area_code, payer)


def _scope(who: CurrentPrincipal, asked: Annotated[Scope, Depends(_asked)]) -> Scope:
    return access.view_scope(who, asked)


AllowedScope = Annotated[Scope, Depends(_scope)]


@router.get(
    "/settlement-view/figures", response_model=Figures, summary="Settlement figures per bureau, period, institution"
)
async def figures(request: Request, scope: AllowedScope) -> dict[str, Any]:
    return await asyncio.to_thread(view_queries.figures, request.app.state.engine, scope)


@router.get("/settlement-view/charges", response_model=Charges, summary="The contracts behind a figure")
async def charges(request: Request, scope: AllowedScope) -> dict[str, Any]:
    return await asyncio.to_thread(view_queries.charges, request.app.state.engine, scope)


@router.get(
    "/settlement-view/reconciliation",
    response_model=Reconciliation,
    summary="The view's totals against the FeeSettled events, and settlements against their charges",
)
async def reconciliation(request: Request, scope: AllowedScope) -> dict[str, Any]:
    return await asyncio.to_thread(view_queries.reconciliation, request.app.state.engine, scope)


@router.get("/bureaus/{bureau_id}/feed", response_model=FeedPage, summary="A bureau's settlements, in order")
async def bureau_feed(
    bureau_id: str,
    request: Request,
    who: CurrentPrincipal,
    after: Annotated[Position, Query(description="The last position you kept; 0 from the start")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    access.may_read_feed(who, bureau_id)

    def page() -> dict[str, Any]:
        with request.app.state.engine.connect() as conn:
            return BUREAU_FEED.page(conn, bureau_id, after, limit)

    return await asyncio.to_thread(page)
