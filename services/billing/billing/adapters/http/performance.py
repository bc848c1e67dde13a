"""Performance pay over HTTP: the year's distribution (an administrator's or an area official's
command, once the year is over and the teams' appraisals published), a member's own share and
how it was computed, and a team's distribution for the officials."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from billing.adapters.http import inputs
from billing.adapters.http.schemas import (
    MemberPerformancePay,
    PerformancePayDistributing,
    TeamPerformancePay,
    TeamPools,
)
from billing.adapters.publishing import score_of
from billing.application import access
from billing.application.performance import Incomes, PerformancePay, team_years, teams_in, years_of_teams
from billing.application.streams import TEAM_YEARS
from billing.domain import performance_year as py
from billing.domain.capitation_rules import FACTORS
from billing.domain.errors import NoCapitationRule, UnknownDistribution
from shared.commands import Outcome
from shared.eventstore import EventStore
from shared.principal import Principal
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.commands import CommandCall, respond
from shared.web.openapi import problem_responses
from shared.web.pages import PageOf, cursor_of, position_of

router = APIRouter(tags=["performance pay"])
Year = Annotated[int, Path(ge=2000, le=2100, examples=[2026])]
Id = Annotated[str, Path(min_length=1, max_length=64)]
_READ_AT_ONCE = 32  # teams' years a page of pools reads in one query
CONFLICT = problem_responses(
    described={
        409: "The year is not over (year-not-over), or no team's appraisal is published (appraisal-not-published), "
        "or billing has not applied its inputs yet (inputs-not-caught-up, with Retry-After: ask again)"
    }
)


@router.post(
    "/performance-pay/{year}",
    response_model=PerformancePayDistributing,
    summary="Distribute the year's performance pay to each team's members",
    description="For every team of the caller's scope (an administrator: all; an official: their area's) whose "
    "annual appraisal is published: the pool drawn from the year's contract-fee income by the score, distributed "
    "to the members by contribution (exact to the fen), each published as a PerformancePayDistributed. Again "
    "later: a restatement (the next sequence, each member's difference) where a restated appraisal or late "
    "contributions changed it, nothing for the others. It settles on all its inputs: until billing has applied the "
    "members' services and the contracts up to the year's end, and every appraisal result it has been sent, it is "
    "refused with 409 inputs-not-caught-up. A command for each team in turn, under the Idempotency-Key and the "
    "team: the same key again replays those done and does those new since.",
    responses=CONFLICT,
)
async def distribute(year: Year, call: CommandCall) -> Response:
    access.may_distribute_performance_pay(call.who)
    request = call.request
    pay: PerformancePay = request.app.state.performance_pay
    on, store = today(request), request.app.state.store
    if year < on.year:  # else refused as not over, inputs or not
        await inputs.applied(request.app.state.pay_inputs, date(year, 12, 31), request.app.state.zone)
    within = lambda team: access.acts_on_team(call.who, team.area_code)  # noqa: E731
    ready, awaiting = await asyncio.to_thread(pay.to_distribute, year, on, store, _scope(call.who), within)
    incomes = Incomes(store, year)  # an institution's ledgers read once for all its teams
    work = lambda team: pay.distribute(year, team, on, store, incomes)  # noqa: E731
    done = await call.run_each(ready, work, ("distributed", "restated", "unchanged", "pool_fen"))
    return respond(Outcome({"year": year} | done.result | {"awaiting_appraisal": awaiting}, done.replayed), 200)


@router.get(
    "/performance-pay/{year}/members/{member_id}",
    response_model=MemberPerformancePay,
    summary="A member's share of their team's pool and how it was computed",
    description="A member reads their own (their token's subject, of their team); officials their area's members. "
    "`team_id` names the member's team: only its year is read (a doctor's is their token's team).",
)
async def member_share(
    year: Year,
    member_id: Id,
    request: Request,
    who: CurrentPrincipal,
    team_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> dict[str, Any]:
    access.may_read_performance_pay(who)
    team_id = who.team_id if who.role == "family_doctor" else team_id
    teams = await asyncio.to_thread(team_years, request.app.state.store, year, _scope(who), team_id)
    for team_id, team in teams.items():
        done = team.latest
        if done is None or not access.sees_member_share(who, team_id, done.area_code, member_id):
            continue
        share = next((s for s in done.shares if s.member_id == member_id), None)
        if share is not None:
            return {
                "distribution_id": done.distribution_id,
                "team_id": team_id,
                "year": year,
                "sequence": done.sequence,
                "appraisal_result_id": done.appraisal_result_id,
                "share": _share(share),
                "computed": _computed(request, done, share.role),
            }
    # As for a member it does not know: a 403 would tell the caller the member was paid.
    raise UnknownDistribution(f"no performance pay of member {member_id} in {year}")


@router.get(
    "/performance-pay/{year}/teams",
    response_model=TeamPools,
    summary="Each team's pool: income, score, pool drawn, undistributed",
    description="The latest distribution of every team the caller may see, without the members' shares (a "
    "team's distribution has them): officials their area's teams, an administrator any; `area_code` narrows it. "
    "By team, a page at a time (pass `next_cursor` as `cursor` for the next page). A member sees none here: "
    "their own share is at `/performance-pay/{year}/members/{member_id}`.",
)
async def team_pools(
    year: Year,
    request: Request,
    who: CurrentPrincipal,
    page: Annotated[PageOf, Depends()],
    area_code: Annotated[str, Query(pattern=r"^(\d{2}){0,6}$")] = "",
) -> dict[str, Any]:
    access.may_read_performance_pay(who)
    after = None if page.cursor is None else position_of(page.cursor, _team_id)
    area = _area_read(who, area_code)
    if area is None:
        return {"teams": [], "next_cursor": None}
    found, last = await asyncio.to_thread(_pools, request.app.state.store, year, who, area, page.limit, after)
    return {"teams": [_pool(d) for d in found], "next_cursor": cursor_of(last) if last else None}


@router.get(
    "/performance-pay/{year}/teams/{team_id}",
    response_model=TeamPerformancePay,
    summary="A team's distribution: every member's share",
    description="Officials read their area's teams, an administrator any.",
)
async def team_distribution(year: Year, team_id: Id, request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    access.may_read_performance_pay(who)
    state = await asyncio.to_thread(_team, request, year, team_id)
    done = state.latest
    if done is None or who.role == "family_doctor" or not access.acts_on_team(who, done.area_code):
        raise UnknownDistribution(f"no performance pay of team {team_id} in {year}")
    return {
        "distribution_id": done.distribution_id,
        "team_id": team_id,
        "institution_id": done.institution_id,
        "area_code": done.area_code,
        "year": year,
        "sequence": done.sequence,
        "restates_distribution_id": done.restates_distribution_id,
        "appraisal_result_id": done.appraisal_result_id,
        "computed": _computed(request, done, None),
        "shares": [_share(s) for s in done.shares],
    }


def _scope(who: Principal) -> str:
    """The area whose teams a caller may see or act on ("": any; a doctor's team is read by its id)."""
    return (who.area_code or "") if who.role == "official" else ""


def _area_read(who: Principal, area_code: str) -> str | None:
    """The area whose teams a list of pools reads: the narrower of the one asked and the caller's;
    None when they do not meet, or the caller sees no team's pool (a member's share is elsewhere):
    nothing is read then."""
    scope = _scope(who)
    area = max(area_code, scope, key=len)
    meet = area_code.startswith(scope) or scope.startswith(area_code)
    return area if meet and access.acts_on_team(who, area) else None


def _pools(  # noqa: PLR0913
    store: EventStore, year: int, who: Principal, area_code: str, limit: int, after: str | None
) -> tuple[list[py.PerformancePayRecorded], str | None]:
    """A page of the latest distributions the caller sees inside the area, by team from after
    `after`, and the page's last team if more may follow. The year's index (ids and areas) names
    the teams inside the area: only their years are read, a few at a time until the page is
    full, so the years a page reads and holds do not grow with the province."""
    teams = [t for t in teams_in(store, year, area_code) if after is None or t > after]
    at_once = min(limit, _READ_AT_ONCE)  # a small page reads no more than it may show
    batches = (teams[start : start + at_once] for start in range(0, len(teams), at_once))
    found = list(islice(_seen(store, year, who, area_code, batches), limit))
    more = len(found) == limit and found[-1][0] != teams[-1]
    return [done for _, done in found], found[-1][0] if more else None


def _seen(
    store: EventStore, year: int, who: Principal, area_code: str, batches: Iterable[list[str]]
) -> Iterator[tuple[str, py.PerformancePayRecorded]]:
    """The latest distributions the caller sees of the teams, in turn: a batch read when the
    one before is taken."""
    for batch in batches:
        for team_id, team in years_of_teams(store, year, batch).items():
            done = team.latest
            if done is not None and done.area_code.startswith(area_code) and access.acts_on_team(who, done.area_code):
                yield team_id, done


def _team_id(found: Any) -> str:
    if not isinstance(found, str):
        raise TypeError("a team's id")
    return found


def _team(request: Request, year: int, team_id: str) -> py.TeamYear:
    return TEAM_YEARS.fold(request.app.state.store.read(TEAM_YEARS.stream_id(py.team_key(year, team_id))))[0]


def _pool(done: py.PerformancePayRecorded) -> dict[str, Any]:
    return {
        "distribution_id": done.distribution_id,
        "team_id": done.team_id,
        "institution_id": done.institution_id,
        "area_code": done.area_code,
        "year": done.year,
        "sequence": done.sequence,
        "score": str(score_of(done.score)),
        "contract_fee_income_fen": done.contract_fee_income_fen,
        "pool_fen": done.pool_fen,
        "undistributed_fen": done.undistributed_fen,
        "members": len(done.shares),
    }


def _share(s: py.ShareRecorded) -> dict[str, Any]:
    counts = dict(zip(FACTORS, (s.visits, s.follow_ups, s.good_ratings, s.key_population_residents), strict=True))
    return {
        "member_id": s.member_id,
        "role": s.role,
        "counts": counts,
        "quota_fen": s.quota,
        "amount_fen": s.amount_fen,
        "difference_fen": s.difference_fen,
    }


def _computed(request: Request, done: py.PerformancePayRecorded, role: str | None) -> dict[str, Any]:
    pay: PerformancePay = request.app.state.performance_pay
    try:
        rule = pay.rules.for_(done.area_code, done.year).performance_pay
        weights, role_weight = py.factor_weights(rule), rule.role_weight(role) if role else None
    except NoCapitationRule:
        weights, role_weight = {}, None
    totals = {f: 0 for f in FACTORS}
    for s in done.shares:
        for f, n in zip(FACTORS, (s.visits, s.follow_ups, s.good_ratings, s.key_population_residents), strict=True):
            totals[f] += n
    return {
        "contract_fee_income_fen": done.contract_fee_income_fen,
        "score": str(score_of(done.score)),
        "pool_share": done.pool_share,
        "pool_fen": done.pool_fen,
        "undistributed_fen": done.undistributed_fen,
        "factor_weights": weights,
        "role_weight": None if role_weight is None else f"{role_weight.numerator}/{role_weight.denominator}",
        "team_counts": totals,
    }
