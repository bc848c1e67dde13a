"""Capitation over HTTP: the year-end reconciliation (the scheduler's command) and its figures,
budget against spending per team and institution, with the drill-down to residents."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from billing.adapters.http.schemas import (
    CapitationAdvancing,
    CapitationReconciling,
    CapitationResidents,
    CapitationRows,
)
from billing.application import access
from billing.application.capitation import Capitation
from billing.application.streams import YEARS
from billing.domain.capitation_year import CapitationReconciliationRecorded, CapitationYear
from billing.domain.errors import UnknownReconciliation
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import IdempotencyKey, respond, run_command
from shared.web.openapi import problem_responses

router = APIRouter(tags=["capitation"])
Year = Annotated[int, Path(ge=2000, le=2100, examples=[2026])]
Month = Annotated[int, Path(ge=1, le=12, examples=[7])]
Kind = Literal["team", "institution"]
CONFLICT = problem_responses(described={409: "The year is not over"})


@dataclass(frozen=True)
class RowFilters:
    """Which rows of the caller's: inside an area, of an institution, of teams or institutions."""

    area_code: Annotated[str, Query(pattern=r"^(\d{2}){0,6}$")] = ""
    institution_id: str | None = None
    subject_kind: Kind | None = None

    def admit(self, r: CapitationReconciliationRecorded) -> bool:
        return (
            r.area_code.startswith(self.area_code)
            and self.institution_id in (None, r.institution_id)
            and self.subject_kind in (None, r.subject_kind)
        )


@dataclass(frozen=True)
class SubjectOf:
    subject_kind: Kind
    subject_id: str


@dataclass(frozen=True)
class PageOf:
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None
    limit: Annotated[int, Query(ge=1, le=1000)] = 500


@router.post(
    "/capitation-years/{year}/reconciliation",
    response_model=CapitationReconciling,
    summary="Reconcile a capitation year (the scheduler's command, after the year)",
    description="Budget against spending for every team and institution of a year that is over, each published "
    "as a CapitationReconciled (to fdcs.billing.settlements and the residents' bureau's topic). Again later: a "
    "restatement (the next sequence, with the difference) for each one whose figures late claims changed, "
    "nothing for the others. 409 year-not-over for the running year or a later one.",
    responses=CONFLICT,
)
async def reconcile(year: Year, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    access.may_reconcile_capitation(who)
    capitation: Capitation = request.app.state.capitation
    work = await asyncio.to_thread(capitation.reconcile, year, today(request), request.app.state.store)
    return respond(await run_command(request, who, key, work), 200)


@router.post(
    "/capitation-years/{year}/advances/{month}",
    response_model=CapitationAdvancing,
    summary="Book a month's capitation advances (the scheduler's command, from the month's first day)",
    description="The insurance fund's advance of the month to every institution: the rule's share of its "
    "capitation budget for the residents contracted with its teams in the month (the reconciliation's budget, "
    "restricted to the month, rounded so the year's advances add up exactly), each published as a "
    "CapitationAdvanced (to fdcs.billing.settlements and the residents' bureau's topic). Again: nothing more for an "
    "institution advanced already. 409 month-not-due before the month's first day.",
    responses=problem_responses(described={409: "The month is not due"}),
)
async def advance(year: Year, month: Month, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    access.may_advance_capitation(who)
    capitation: Capitation = request.app.state.capitation
    work = await asyncio.to_thread(capitation.advance, year, month, today(request), request.app.state.store)
    return respond(await run_command(request, who, key, work), 200)


@router.get(
    "/capitation-years/{year}/reconciliations",
    response_model=CapitationRows,
    summary="Budget against spending, surplus kept or overspend borne, referral fees: per team and institution",
    description="The latest reconciliation of each team and institution the caller may see: an official their "
    "area's, a bureau those of its residents, a doctor their team's.",
)
async def reconciliations(
    year: Year, request: Request, who: CurrentPrincipal, only: Annotated[RowFilters, Depends()]
) -> dict[str, Any]:
    access.may_read_capitation(who)
    found = await asyncio.to_thread(_year, request, year)
    rows = [_row(r) for _, r in sorted(found.latest.items()) if access.sees_capitation(who, r) and only.admit(r)]
    return {"rows": rows}


@router.get(
    "/capitation-years/{year}/{subject_kind}/{subject_id}/residents",
    response_model=CapitationResidents,
    summary="The residents behind a team's or institution's figures (paged)",
    description="Each resident's contracted days, part of the budget and claims, by resident; pass "
    "`next_cursor` as `cursor` for the next page.",
)
async def residents(
    year: Year,
    of: Annotated[SubjectOf, Depends()],
    request: Request,
    who: CurrentPrincipal,
    page: Annotated[PageOf, Depends()],
) -> dict[str, Any]:
    found = (await asyncio.to_thread(_year, request, year)).latest.get((of.subject_kind, of.subject_id))
    if found is None or not access.sees_capitation(who, found):
        # As for an id it does not know: a 403 would tell the caller the team exists.
        raise UnknownReconciliation(f"no capitation reconciliation of {of.subject_kind} {of.subject_id} in {year}")
    refs = sorted(found.contracted_days | found.spending_by_resident)
    shown = [ref for ref in refs if page.cursor is None or ref > page.cursor][: page.limit]
    items = [
        {
            "resident_ref": ref,
            "contracted_days": found.contracted_days.get(ref, 0),
            "budget_fen": found.budget_by_resident.get(ref, 0),
            "spending_fen": found.spending_by_resident.get(ref, 0),
        }
        for ref in shown
    ]
    more = len(shown) == page.limit and shown[-1] != refs[-1]
    return {"reconciliation_id": found.reconciliation_id, "items": items, "next_cursor": shown[-1] if more else None}


def _year(request: Request, year: int) -> CapitationYear:
    return YEARS.fold(request.app.state.store.read(YEARS.stream_id(str(year))))[0]


def _row(r: CapitationReconciliationRecorded) -> dict[str, Any]:
    return {
        "reconciliation_id": r.reconciliation_id,
        "subject_kind": r.subject_kind,
        "subject_id": r.subject_id,
        "institution_id": r.institution_id,
        "area_code": r.area_code,
        "bureau_id": r.bureau_id,
        "year": r.year,
        "sequence": r.sequence,
        "restates_reconciliation_id": r.restates_reconciliation_id,
        "residents": r.residents,
        "referrals_completed": r.referrals_completed,
        "figures": vars(r.figures),
        "difference": vars(r.difference) if r.difference else None,
    }
