"""A resident's health management plan: which services are due, how often, measuring what.

Drawn from the contract's packages (what the contract promises) and the resident's key
populations (what the norms call for); the team may revise it, but never below what the
contract promises. Each drawing and revision is an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from health_records.domain.care_events import ContractStarted
from health_records.domain.errors import BelowContract, InvalidPlan
from health_records.domain.measurements import RANGES
from health_records.domain.norms import PlanNorms
from shared.domain import Personal


@dataclass(frozen=True)
class PlannedService:
    item_code: str
    times_per_year: int
    measurements: tuple[str, ...] = ()
    contracted: int = 0  # how often the contract's packages promise it (0: not a package item)
    packages: tuple[str, ...] = ()
    populations: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanDrawn:
    resident_ref: str
    contract_id: str
    key_populations: tuple[str, ...]
    services: tuple[PlannedService, ...]
    drawn_at: datetime


@dataclass(frozen=True)
class PlanRevised:
    services: tuple[PlannedService, ...]
    reason: Personal  # as the doctor wrote it
    revised_at: datetime


@dataclass(frozen=True)
class ManagementPlan:
    drawn: PlanDrawn
    services: tuple[PlannedService, ...]
    updated_at: datetime

    def service(self, item_code: str) -> PlannedService | None:
        return next((s for s in self.services if s.item_code == item_code), None)


def derive(norms: PlanNorms, started: ContractStarted) -> tuple[PlannedService, ...]:
    """Package items at the contracted frequency; each key population's norm on top; where
    both name an item, the more frequent wins."""
    plan: dict[str, PlannedService] = {}

    def add(code: str, times: int, package: str | None = None, population: str | None = None) -> None:
        s = plan.get(code) or PlannedService(code, times, norms.measures.get(code, ()))
        plan[code] = replace(
            s,
            times_per_year=max(s.times_per_year, times),
            contracted=max(s.contracted, times) if package else s.contracted,
            packages=(*s.packages, package) if package else s.packages,
            populations=(*s.populations, population) if population else s.populations,
        )

    for package in started.packages:
        for item in package.items:
            add(item.code, item.times_per_year, package=package.code)
    for population in started.key_populations:
        for item in norms.for_population.get(population, ()):
            add(item.code, item.times_per_year, population=population)
    return tuple(sorted(plan.values(), key=lambda s: s.item_code))


def draw(plan: ManagementPlan | None, norms: PlanNorms, started: ContractStarted) -> list[PlanDrawn]:
    """Each new contract draws the plan afresh from its packages and key populations."""
    if plan is not None and plan.drawn.contract_id == started.contract_id:
        return []
    services = derive(norms, started)
    return [PlanDrawn(started.resident_ref, started.contract_id, started.key_populations, services, started.started_at)]


def revise(plan: ManagementPlan, wanted: Sequence[PlannedService], reason: str, now: datetime) -> PlanRevised:
    if not reason.strip():
        raise InvalidPlan("say why the plan is revised")
    codes = [s.item_code for s in wanted]
    if len(set(codes)) < len(codes):
        raise InvalidPlan("each service appears once in a plan")
    for s in wanted:
        _check(s)
    for promised in (s for s in plan.services if s.contracted):
        kept = next((s for s in wanted if s.item_code == promised.item_code), None)
        if kept is None or kept.times_per_year < promised.contracted:
            raise BelowContract(f"the contract promises {promised.item_code} {promised.contracted} times a year")
    return PlanRevised(tuple(_provenance(plan, s) for s in wanted), reason.strip(), now)


def _check(s: PlannedService) -> None:
    if not 1 <= s.times_per_year <= 366:
        raise InvalidPlan(f"{s.item_code}: between 1 and 366 times a year")
    unknown = set(s.measurements) - set(RANGES)
    if unknown:
        raise InvalidPlan(f"{s.item_code}: no such measurement {sorted(unknown)}")


def _provenance(plan: ManagementPlan, s: PlannedService) -> PlannedService:
    """A revised service keeps where it came from (its packages and populations)."""
    before = plan.service(s.item_code)
    if before is None:
        return replace(s, contracted=0, packages=(), populations=())
    return replace(s, contracted=before.contracted, packages=before.packages, populations=before.populations)


def evolve(plan: ManagementPlan | None, event: object) -> ManagementPlan:
    match event:
        case PlanDrawn():
            return ManagementPlan(event, event.services, event.drawn_at)
        case PlanRevised() if plan is not None:
            return replace(plan, services=event.services, updated_at=event.revised_at)
    raise ValueError(f"{type(event).__name__} does not apply to plan {plan}")
