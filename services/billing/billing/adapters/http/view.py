"""The settlement view and the bureaus' feed over HTTP: what bureaus, officials and institutions read."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from billing.adapters.http.schemas import Charges, FeedPage, Figures, Reconciliation
from billing.adapters.projections import reconciliation as reconciled
from billing.adapters.projections import view_queries
from billing.adapters.projections.tables import BUREAU_FEED
from billing.application import access
from billing.application.scope import Scope
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import YEAR_OR_MONTH, Position
from shared.web.problems import Problem

router = APIRouter(prefix="", tags=["settlement view"])


async def _asked(
    period: Annotated[str, Query(pattern=YEAR_OR_MONTH, description="2026-03, or 2026 for the year")] = "",
    bureau_id: str | None = None,
    institution_id: str | None = None,
    area_code: Annotated[str, Query(pattern=r"^(\d{2}){0,6}$")] = "",
    payer: str | None = None,
) -> Scope:
    return Scope(period, bureau_id, institution_id, area_code, payer)


async def _scope(who: CurrentPrincipal, asked: Annotated[Scope, Depends(_asked)]) -> Scope:
    return access.view_scope(who, asked)


AllowedScope = Annotated[Scope, Depends(_scope)]


Cursor = Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get(
    "/settlement-view/figures",
    response_model=Figures,
    summary="Settlement figures per bureau, period, institution (paged)",
    description="The groups (period, payer, bureau, institution, area) in that order, settled and open, `limit` "
    "of them a page; pass `next_cursor` as `cursor` for the next page. `totals`, `open.totals` and "
    "`released_for_period` are the whole scope's, on every page.",
)
async def figures(request: Request, scope: AllowedScope, cursor: Cursor = None, limit: Limit = 500) -> dict[str, Any]:
    after = _after(cursor, len(view_queries.GROUP))
    found = await asyncio.to_thread(view_queries.figures, request.app.state.engine, scope, after, limit)
    return _paged(found)


@router.get(
    "/settlement-view/charges",
    response_model=Charges,
    summary="The contracts behind a figure (paged)",
    description="Charges by area, institution, period, payer and contract (an institution's by period, payer "
    "and contract); pass `next_cursor` as `cursor` for the next page. `contracts` and `total_fen` are the "
    "whole scope's, on every page.",
)
async def charges(request: Request, scope: AllowedScope, cursor: Cursor = None, limit: Limit = 500) -> dict[str, Any]:
    after = _after(cursor, len(view_queries.drill_down_order(scope)))
    found = await asyncio.to_thread(view_queries.charges, request.app.state.engine, scope, after, limit)
    return _paged(found)


def _paged(found: dict[str, Any]) -> dict[str, Any]:
    last = found.pop("next")
    return found | {"next_cursor": _cursor(last) if last else None}


def _cursor(last: tuple[str, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(last).encode()).decode()


def _after(cursor: str | None, width: int) -> tuple[str, ...] | None:
    if cursor is None:
        return None
    try:
        last = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        last = None
    keys = last if isinstance(last, list) and len(last) == width else [None]
    if not all(isinstance(k, str) and "\x00" not in k for k in keys):  # PostgreSQL refuses a NUL
        raise Problem(400, "bad-cursor", "cursor must be a next_cursor this API returned")
    return tuple(keys)


@router.get(
    "/settlement-view/reconciliation",
    response_model=Reconciliation,
    summary="The view's totals against the FeeSettled events, and settlements against their charges",
    description="`mismatched_count` and `unsettled_count` are the whole scope's; `mismatched` and `unsettled` "
    "list the first `limit` of those groups, by period, payer, bureau, institution and area.",
)
async def reconciliation(
    request: Request,
    scope: AllowedScope,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many of each list, the first by group")] = 100,
) -> dict[str, Any]:
    return await asyncio.to_thread(reconciled.reconciliation, request.app.state.engine, scope, limit)


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
