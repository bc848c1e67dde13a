"""Capitation over HTTP: the year-end reconciliation (the scheduler's command) and its figures,
budget against spending per team and institution, with the drill-down to residents."""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from billing.adapters.http.schemas import (
    CapitationAdvancing,
    CapitationAreas,
    CapitationReconciling,
    CapitationResidents,
    CapitationRows,
)
from billing.application import access
from billing.application.capitation import (
    Capitation,
    institution_areas,
    institution_years,
    institutions,
    latest_reconciliation,
)
from billing.domain.advances import check_due
from billing.domain.capitation_index import CapitationYearIndex
from billing.domain.capitation_year import CapitationReconciliationRecorded
from billing.domain.capitation_year_end import check_over, residents_in_order
from billing.domain.errors import UnknownReconciliation
from shared.commands import Outcome
from shared.principal import Principal
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import CommandCall, respond
from shared.web.openapi import problem_responses
from shared.web.pages import PageOf, cursor_of, position_of

router = APIRouter(tags=["capitation"])
Year = Annotated[int, Path(ge=2000, le=2100, examples=[2026])]
Month = Annotated[int, Path(ge=1, le=12, examples=[7])]
Kind = Literal["team", "institution"]
CONFLICT = problem_responses(described={409: "The year is not over"})
AREA = r"^(\d{2}){0,6}$"  # an area code's first digits: a province's 2, a city's 4, ..., none
AreaOfJob = Annotated[
    str,
    Query(
        pattern=AREA,
        description="Only the institutions of this area (its code's first digits, e.g. a city's four; none: every "
        "institution); each institution is of one area, the least of its teams'",
        examples=["4401"],
    ),
]

_EACH = (
    " A command for each institution of the year in turn, under the Idempotency-Key and the institution: "
    "the same key again replays those done and does those new since. With `area_code`, only the institutions of "
    "that area, which `institutions` counts (none: 200, all zero): the scheduler calls a city at a time, each "
    "under a key of its own, several at once over the API's replicas."
)


@dataclass(frozen=True)
class RowFilters:
    """Which rows of the caller's: inside an area, of an institution, of teams or institutions."""

    area_code: Annotated[str, Query(pattern=AREA)] = ""
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


@router.post(
    "/capitation-years/{year}/reconciliation",
    response_model=CapitationReconciling,
    summary="Reconcile a capitation year (the scheduler's command, after the year)",
    description="Budget against spending for every team and institution of a year that is over, each published "
    "as a CapitationReconciled (to fdcs.billing.settlements and the residents' bureau's topic). Again later: a "
    "restatement (the next sequence, with the difference) for each one whose figures late claims changed, "
    "nothing for the others. 409 year-not-over for the running year or a later one." + _EACH,
    responses=CONFLICT,
)
async def reconcile(year: Year, call: CommandCall, area_code: AreaOfJob = "") -> Response:
    access.may_reconcile_capitation(call.who)
    capitation: Capitation = call.request.app.state.capitation
    on, store = today(call.request), call.request.app.state.store
    check_over(year, on)
    found, before = await asyncio.to_thread(institutions, store, year, area_code)
    work = lambda i: capitation.reconcile(year, i, on, store, before)  # noqa: E731
    done = await call.run_each(found, work, ("reconciled", "restated", "subjects"))
    return respond(Outcome({"year": year} | done.result | {"institutions": len(found)}, done.replayed), 200)


@router.post(
    "/capitation-years/{year}/advances/{month}",
    response_model=CapitationAdvancing,
    summary="Book a month's capitation advances (the scheduler's command, from the month's first day)",
    description="The insurance fund's advance of the month to every institution: the rule's share of its "
    "capitation budget for the residents contracted with its teams in the month (the reconciliation's budget, "
    "restricted to the month, rounded so the year's advances add up exactly), each published as a "
    "CapitationAdvanced (to fdcs.billing.settlements and the residents' bureau's topic). Again: nothing more for an "
    "institution advanced already. 409 month-not-due before the month's first day." + _EACH,
    responses=problem_responses(described={409: "The month is not due"}),
)
async def advance(year: Year, month: Month, call: CommandCall, area_code: AreaOfJob = "") -> Response:
    access.may_advance_capitation(call.who)
    capitation: Capitation = call.request.app.state.capitation
    on, store = today(call.request), call.request.app.state.store
    check_due(year, month, on)
    found, before = await asyncio.to_thread(institutions, store, year, area_code)
    work = lambda i: capitation.advance(year, month, i, on, store, before)  # noqa: E731
    done = await call.run_each(found, work, ("advanced", "amount_fen"))
    body = {"year": year, "month": month} | done.result | {"institutions": len(found)}
    return respond(Outcome(body, done.replayed), 200)


@router.get(
    "/capitation-years/{year}/areas",
    response_model=CapitationAreas,
    summary="The areas the year's institutions are of, and how many of each (the jobs' areas)",
    description="Each area an institution of the year is of (the least of its teams' areas, in full: the one "
    "`area_code` in the reconciliation and the advances is matched against), with how many institutions, by "
    "area code: the scheduler checks the areas it calls hold them all. An administrator's.",
)
async def areas(year: Year, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    access.may_read_capitation_areas(who)
    found = (await asyncio.to_thread(institution_areas, request.app.state.store, year))[0]
    counted = Counter(found.values())
    return {"year": year, "areas": [{"area_code": a, "institutions": counted[a]} for a in sorted(counted)]}


@router.get(
    "/capitation-years/{year}/reconciliations",
    response_model=CapitationRows,
    summary="Budget against spending, surplus kept or overspend borne, referral fees: per team and institution",
    description="The latest reconciliation of each team and institution the caller may see: an official their "
    "area's, a bureau those of its residents, a doctor their team's; by institution, then teams before the "
    "institution, a page at a time (pass `next_cursor` as `cursor` for the next page).",
)
async def reconciliations(
    year: Year,
    request: Request,
    who: CurrentPrincipal,
    only: Annotated[RowFilters, Depends()],
    page: Annotated[PageOf, Depends()],
) -> dict[str, Any]:
    access.may_read_capitation(who)
    after = _after(page.cursor)
    found, last = await asyncio.to_thread(_rows, request, year, who, only, page.limit, after)
    return {"rows": [_row(r) for r in found], "next_cursor": cursor_of(last) if last else None}


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
    found = await asyncio.to_thread(_reconciliation, request, year, of)
    if found is None or not access.sees_capitation(who, found):
        # As for an id it does not know: a 403 would tell the caller the team exists.
        raise UnknownReconciliation(f"no capitation reconciliation of {of.subject_kind} {of.subject_id} in {year}")
    return {"reconciliation_id": found.reconciliation_id} | _residents_page(found, page)


def _residents_page(found: CapitationReconciliationRecorded, page: PageOf) -> dict[str, Any]:
    """The page's residents, after the cursor by ref: its start looked up, never a pass over them all."""
    refs = residents_in_order(found)
    start = 0 if page.cursor is None else bisect_right(refs, page.cursor)
    items = [
        {
            "resident_ref": ref,
            "contracted_days": found.contracted_days.get(ref, 0),
            "budget_fen": found.budget_by_resident.get(ref, 0),
            "spending_fen": found.spending_by_resident.get(ref, 0),
        }
        for ref in refs[start : start + page.limit]
    ]
    more = start + page.limit < len(refs)
    return {"items": items, "next_cursor": refs[start + page.limit - 1] if more else None}


Position = tuple[str, str, str]  # institution, subject kind, subject id: the rows' order
_READ_AT_ONCE = 32  # institutions' years a page reads in one query


def _rows(  # noqa: PLR0913
    request: Request, year: int, who: Principal, only: RowFilters, limit: int, after: Position | None
) -> tuple[list[CapitationReconciliationRecorded], Position | None]:
    """A page of the rows the caller sees, from after `after`, and the last row's position if the
    page is full. Only the years of the institutions in the filters' and the caller's scope are
    read, a few at a time until the page is full: a page's memory does not grow with the province."""
    store = request.app.state.store
    index: CapitationYearIndex = request.app.state.year_indexes(year)
    named = [i for i in _institutions(index, who, only) if after is None or i >= after[0]]
    found: list[CapitationReconciliationRecorded] = []
    for start in range(0, len(named), _READ_AT_ONCE):
        for i, kept in institution_years(store, year, named[start : start + _READ_AT_ONCE], index.before).items():
            for (kind, subject), r in sorted(kept.latest.items(), key=lambda item: (item[0][0] != "team", item[0])):
                position = (i, kind, subject)
                shown = access.sees_capitation(who, r) and only.admit(r)
                if shown and (after is None or _order(position) > _order(after)):
                    found.append(r)
                    if len(found) == limit:
                        return found, position
    return found, None


def _institutions(index: CapitationYearIndex, who: Principal, only: RowFilters) -> list[str]:
    """The institutions in the caller's scope and the filters': one a doctor's token or the filter
    names is looked up alone, not among every institution of the province."""
    area, own = access.capitation_scope(who)
    named = {i for i in (own, only.institution_id) if i is not None}
    if len(named) > 1:
        return []  # a doctor asking of another institution
    if named:
        institution = named.pop()
        return [institution] if index.names(institution, area) and index.names(institution, only.area_code) else []
    within = set(index.institutions(area)) if area else None
    return [i for i in index.institutions(only.area_code) if within is None or i in within]


def _order(position: Position) -> tuple[str, bool, str]:
    institution, kind, subject = position
    return institution, kind != "team", subject


def _after(cursor: str | None) -> Position | None:
    return None if cursor is None else position_of(cursor, _position)


def _position(found: Any) -> Position:
    institution, kind, subject = found
    return str(institution), str(kind), str(subject)


def _reconciliation(request: Request, year: int, of: SubjectOf) -> CapitationReconciliationRecorded | None:
    """A team's is in its institution's year: the year's index names it."""
    store = request.app.state.store
    index: CapitationYearIndex = request.app.state.year_indexes(year)
    subject = (of.subject_kind, of.subject_id)
    team = index.teams.get(of.subject_id) if of.subject_kind == "team" else None
    if of.subject_kind == "institution" or team is not None:
        institution = team.institution_id if team else of.subject_id
        return latest_reconciliation(store, year, institution, subject, index.before)
    return index.before.latest.get(subject)  # a team of a year recorded before the institutions' streams


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
