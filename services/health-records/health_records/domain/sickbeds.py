"""Family sickbeds: continuous care at home by the team, from admission to discharge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from health_records.domain.care import Care
from health_records.domain.care_events import FamilySickbedAdmitted, FamilySickbedDischarged
from health_records.domain.dates import not_after
from health_records.domain.errors import (
    InvalidDates,
    NotUnderContract,
    SickbedAlreadyOpen,
    SickbedClosed,
    SickbedNotFound,
)


@dataclass(frozen=True)
class Admission:
    sickbed_id: str
    team_id: str
    reason: str
    admitted_on: date


def admit(care: Care, a: Admission, today: date) -> FamilySickbedAdmitted:
    not_after(a.admitted_on, today, "an admission")
    contract = care.under_contract(a.team_id, a.admitted_on)
    if any(s.discharged_on is None for s in care.sickbeds):
        raise SickbedAlreadyOpen("the resident already has an open family sickbed")
    return FamilySickbedAdmitted(a.sickbed_id, contract.delivered(), a.reason, a.admitted_on)


def discharge(care: Care, team_id: str, sickbed_id: str, discharged_on: date, today: date) -> FamilySickbedDischarged:
    bed = care.sickbed(sickbed_id)
    if bed is None:
        raise SickbedNotFound(f"no family sickbed {sickbed_id} for this resident")
    if bed.admitted.under.team_id != team_id:
        raise NotUnderContract(f"family sickbed {sickbed_id} is another team's")
    if bed.discharged_on is not None:
        raise SickbedClosed(f"family sickbed {sickbed_id} was discharged on {bed.discharged_on}")
    not_after(discharged_on, today, "a discharge")
    if discharged_on < bed.admitted.admitted_on:
        raise InvalidDates("a discharge cannot come before the admission")
    return FamilySickbedDischarged(sickbed_id, bed.admitted.under, bed.admitted.admitted_on, discharged_on)
