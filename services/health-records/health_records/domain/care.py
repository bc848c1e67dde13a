"""A resident's care: their contracts (as signing announced them) and the services delivered.

The team in charge, the contract a service falls under, an open family sickbed: the rules
of visits, prescriptions, sickbeds and ratings read them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from health_records.domain.care_events import (
    ContractEnded,
    ContractReinstated,
    ContractStarted,
    Delivered,
    FamilySickbedAdmitted,
    FamilySickbedDischarged,
    LongPrescriptionIssued,
    ServiceRated,
    VisitCompleted,
)
from health_records.domain.errors import NotUnderContract


@dataclass(frozen=True)
class CareContract:
    started: ContractStarted
    last_day: date
    end_reason: str | None = None

    def covers(self, day: date) -> bool:
        return self.started.starts_on <= day <= self.last_day

    def delivered(self) -> Delivered:
        s = self.started
        return Delivered(s.resident_ref, s.contract_id, s.team_id, s.institution_id, s.area_code)


@dataclass(frozen=True)
class Sickbed:
    admitted: FamilySickbedAdmitted
    discharged_on: date | None = None

    def open_on(self, day: date) -> bool:
        return self.admitted.admitted_on <= day and (self.discharged_on is None or day <= self.discharged_on)


@dataclass(frozen=True)
class Care:
    resident_ref: str
    contracts: tuple[CareContract, ...] = ()
    visits: tuple[VisitCompleted, ...] = ()
    prescriptions: tuple[LongPrescriptionIssued, ...] = ()
    sickbeds: tuple[Sickbed, ...] = ()
    ratings: tuple[ServiceRated, ...] = ()

    def contract(self, contract_id: str) -> CareContract | None:
        return next((c for c in self.contracts if c.started.contract_id == contract_id), None)

    def in_charge(self, team_id: str, today: date) -> bool:
        """The team holds a contract that has not come to its last day (it may start later)."""
        return any(c.started.team_id == team_id and today <= c.last_day for c in self.contracts)

    def under_contract(self, team_id: str, day: date) -> CareContract:
        for c in reversed(self.contracts):
            if c.started.team_id == team_id and c.covers(day):
                return c
        raise NotUnderContract(f"the resident has no contract with team {team_id} on {day}")

    def sickbed(self, sickbed_id: str) -> Sickbed | None:
        return next((s for s in self.sickbeds if s.admitted.sickbed_id == sickbed_id), None)


def evolve(care: Care | None, event: object) -> Care:
    if care is None:
        if isinstance(event, ContractStarted):
            return Care(event.resident_ref, (CareContract(event, event.ends_on),))
        raise ValueError(f"{type(event).__name__} before any contract")
    apply = _APPLY.get(type(event))
    if apply is None:
        raise ValueError(f"{type(event).__name__} does not apply to a resident's care")
    return apply(care, event)


def _ended(care: Care, e: ContractEnded) -> Care:
    return replace(
        care,
        contracts=tuple(
            replace(c, last_day=e.last_day, end_reason=e.reason) if c.started.contract_id == e.contract_id else c
            for c in care.contracts
        ),
    )


def _reinstated(care: Care, e: ContractReinstated) -> Care:
    return replace(
        care,
        contracts=tuple(
            replace(c, last_day=e.last_day, end_reason=None) if c.started.contract_id == e.contract_id else c
            for c in care.contracts
        ),
    )


def _discharged(care: Care, e: FamilySickbedDischarged) -> Care:
    return replace(
        care,
        sickbeds=tuple(
            replace(s, discharged_on=e.discharged_on) if s.admitted.sickbed_id == e.sickbed_id else s
            for s in care.sickbeds
        ),
    )


_APPLY: dict[type, Callable[[Care, Any], Care]] = {
    ContractStarted: lambda care, e: replace(care, contracts=(*care.contracts, CareContract(e, e.ends_on))),
    ContractEnded: _ended,
    ContractReinstated: _reinstated,
    VisitCompleted: lambda care, e: replace(care, visits=(*care.visits, e)),
    LongPrescriptionIssued: lambda care, e: replace(care, prescriptions=(*care.prescriptions, e)),
    FamilySickbedAdmitted: lambda care, e: replace(care, sickbeds=(*care.sickbeds, Sickbed(e))),
    FamilySickbedDischarged: _discharged,
    ServiceRated: lambda care, e: replace(care, ratings=(*care.ratings, e)),
}
