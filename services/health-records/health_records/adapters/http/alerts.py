"""The team's worklist of device alerts over HTTP: its open alerts with the readings' values (the
team's own doctors and nurses), acknowledging one, and the counts per team of an area (officials)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from health_records.adapters.http.common import PROBLEMS, Days
from health_records.adapters.projections.reading_alert_reads import CountsAsked, ReadingAlerts, Team
from health_records.application import access, alerts
from health_records.application.commands import AcknowledgeAlert
from health_records.domain.errors import AlertNotFound
from shared.web.auth import CurrentPrincipal
from shared.web.commands import Call, CommandCall, respond
from shared.web.held import Held
from shared.web.pages import PageOf, cursor_of, position_of
from shared.web.problems import Problem

router = APIRouter(tags=["reading alerts"], responses=PROBLEMS)
TeamId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", examples=["T1"])]
AlertId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="From the team's worklist")]
AreaCode = Annotated[str, Path(pattern=r"^\d{2,12}$", description="An area code, or its prefix", examples=["440106"])]
WORKLIST = "/teams/{team_id}/reading-alerts"
MAX_DAYS = 366

_alerts = Held[ReadingAlerts]("reading_alerts")


class AlertPublic(BaseModel):
    alert_id: str
    reason: Literal["out_of_target", "implausible"]
    status: Literal["open", "acknowledged"]
    resident_ref: str
    device_id: str
    kind: str
    value: float
    unit: str
    target: float | None
    measured_at: datetime
    readings: int = Field(
        description="Readings the alert stands for: 1 out of target; the device's implausible readings of the "
        "day (the last received shown)"
    )
    institution_id: str
    area_code: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class WorklistPublic(BaseModel):
    team_id: str
    items: list[AlertPublic]
    next_before: int | None


class AcknowledgementPublic(BaseModel):
    alert_id: str
    status: Literal["open", "acknowledged"]
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class TeamCounts(BaseModel):
    team_id: str
    institution_id: str
    area_code: str
    out_of_target: int
    flagged: int
    open_alerts: int


class AreaCountsPublic(BaseModel):
    area_code: str
    first: date
    last: date
    teams: list[TeamCounts]
    next_cursor: str | None = Field(description="`cursor` of the next page of teams; none after the last")


@dataclass(frozen=True)
class WorklistPage:
    """Which alerts (the open ones, or all), and the page: those before `before`, at most `limit`."""

    status: Literal["open", "all"] = "open"
    before: Annotated[int | None, Query(ge=1)] = None
    limit: Annotated[int, Query(ge=1, le=200)] = 50


@router.get(
    WORKLIST,
    response_model=WorklistPublic,
    summary="The team's worklist of device readings",
    description="Readings out of the resident's target (an alert each) and readings flagged implausible (an alert "
    "per device and local day, counting them), for the team in charge on the reading's day; newest first, a page "
    "at a time (`before`: the last page's `next_before`). For the team's own doctors and nurses.",
)
async def worklist(
    team_id: TeamId, request: Request, who: CurrentPrincipal, of: Annotated[WorklistPage, Depends()]
) -> Response:
    access.may_work_on_alerts(who, team_id)
    worklist_of = _alerts(request).worklist
    page = await asyncio.to_thread(worklist_of, team_id, of.status == "open", of.before, of.limit)
    return Response(to_json(page), 200, media_type="application/json")


@router.post(
    f"{WORKLIST}/{{alert_id}}/acknowledgement",
    response_model=AcknowledgementPublic,
    summary="Acknowledge an alert",
    description="By a doctor of the team: the alert leaves the open worklist; who and when stay on record. "
    "409 alert-already-acknowledged.",
)
async def acknowledge(team_id: TeamId, alert_id: AlertId, call: CommandCall) -> Response:
    return await _acknowledgement(team_id, alert_id, call, withdraw=False)


@router.delete(
    f"{WORKLIST}/{{alert_id}}/acknowledgement",
    response_model=AcknowledgementPublic,
    summary="Withdraw an acknowledgement",
    description="The alert is open again (an acknowledgement made by mistake). 409 alert-not-acknowledged.",
)
async def withdraw(team_id: TeamId, alert_id: AlertId, call: CommandCall) -> Response:
    return await _acknowledgement(team_id, alert_id, call, withdraw=True)


async def _acknowledgement(team_id: str, alert_id: str, call: Call, withdraw: bool) -> Response:
    access.may_work_on_alerts(call.who, team_id)  # before the worklist says whether the alert is there
    found: dict[str, Any] | None = await asyncio.to_thread(_alerts(call.request).find, team_id, alert_id)
    if found is None:
        raise AlertNotFound(f"no alert {alert_id} on team {team_id}'s worklist")
    command = AcknowledgeAlert(team_id, alert_id, found["resident_ref"], withdraw)
    return respond(await call.run(alerts.acknowledge(call.who, command)), 200)


@router.get(
    "/areas/{area_code}/reading-alerts",
    response_model=AreaCountsPublic,
    summary="Device alerts per team of an area",
    description="For each team of the area, its residents' device readings of the local days `from` to `to` "
    f"(at most {MAX_DAYS}): out of target, flagged implausible, and the alerts still open. Counts only. For the "
    "officials of the area; a doctor sees their own team's. The teams with any that period, by team id, a page at "
    "a time: pass `next_cursor` as `cursor` for the next page.",
)
async def per_team(
    area_code: AreaCode,
    request: Request,
    who: CurrentPrincipal,
    days: Annotated[Days, Depends()],
    page: Annotated[PageOf, Depends()],
) -> Response:
    first, last = days.first, days.last
    team = access.alert_counts_scope(who, area_code)
    if not 0 <= (last - first).days < MAX_DAYS:
        raise Problem(422, "invalid-period", f"`to` is on or after `from`, at most {MAX_DAYS} days in all")
    after = None if page.cursor is None else position_of(page.cursor, _team)
    asked = CountsAsked(area_code, first, last, team, after, page.limit)
    teams = await asyncio.to_thread(_alerts(request).per_team, asked)
    more = len(teams) == page.limit  # a province's teams: tens of thousands
    next_cursor = cursor_of([teams[-1][c] for c in ("team_id", "institution_id", "area_code")]) if more else None
    body = {"area_code": area_code, "first": first, "last": last, "teams": teams, "next_cursor": next_cursor}
    return Response(to_json(body), 200, media_type="application/json")


def _team(found: Any) -> Team:
    if not isinstance(found, list):
        raise TypeError("not a team's position")
    team_id, institution_id, area_code = found  # another length: ValueError
    if not all(isinstance(s, str) for s in (team_id, institution_id, area_code)):
        raise TypeError("not a team's position")
    return team_id, institution_id, area_code
