"""A visit: a service delivered to a resident by a member of the team in charge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from health_records.domain import measurements
from health_records.domain.care import Care
from health_records.domain.care_events import Measurement, VisitCompleted
from health_records.domain.errors import InFuture, ItemNotPlanned, NoFamilySickbed
from health_records.domain.plan import ManagementPlan

PLACES = ("clinic", "home", "family_sickbed", "online")


@dataclass(frozen=True)
class VisitReport:
    """What the team reports of a visit; `occurred_on` is its local date."""

    visit_id: str
    team_id: str
    member_id: str
    place: str
    fulfils: tuple[str, ...]
    measurements: tuple[Measurement, ...]
    summary: str
    occurred_at: datetime
    occurred_on: date


def complete_visit(care: Care, plan: ManagementPlan | None, role: str, v: VisitReport, now: datetime) -> VisitCompleted:
    if v.occurred_at > now:
        raise InFuture("a visit is recorded once it has happened")
    contract = care.under_contract(v.team_id, v.occurred_on)
    if v.place == "family_sickbed" and not any(s.open_on(v.occurred_on) for s in care.sickbeds):
        raise NoFamilySickbed(f"the resident is in no family sickbed on {v.occurred_on}")
    fulfils = tuple(dict.fromkeys(v.fulfils))
    taken = measurements.check(v.measurements)
    for code in fulfils:
        planned = plan.service(code) if plan is not None else None
        if planned is None:
            raise ItemNotPlanned(f"{code} is not a service of the resident's management plan")
        measurements.require(taken, planned.measurements, code)
    return VisitCompleted(
        v.visit_id,
        contract.delivered(),
        v.member_id,
        role,
        v.place,
        fulfils,
        taken,
        v.summary,
        v.occurred_at,
        v.occurred_on,
    )


def visit(care: Care, visit_id: str) -> VisitCompleted | None:
    return next((v for v in care.visits if v.visit_id == visit_id), None)
