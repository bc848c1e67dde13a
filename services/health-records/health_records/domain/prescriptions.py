"""Long prescriptions: one to two months of medicine for a stable chronic patient."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date, timedelta

from health_records.domain.care import Care
from health_records.domain.care_events import LongPrescriptionIssued
from health_records.domain.dates import not_after
from health_records.domain.errors import InvalidPrescription, NotAChronicPatient, PrescriptionStillCovers

DAYS = range(28, 63)
# ICD-10 categories that show the condition on the record, besides the key-population tag.
CATEGORIES = {
    "hypertension": {"I10", "I11", "I12", "I13", "I15"},
    "diabetes": {"E10", "E11", "E12", "E13", "E14"},
}


@dataclass(frozen=True)
class Prescription:
    prescription_id: str
    team_id: str
    member_id: str
    condition: str  # hypertension, diabetes, other_chronic
    days: int
    medicines: tuple[str, ...]
    issued_on: date


def issue(care: Care, conditions: Set[str], p: Prescription, today: date) -> LongPrescriptionIssued:
    """`conditions`: the ICD-10 categories of the record's unresolved conditions."""
    if p.days not in DAYS or not p.medicines:
        raise InvalidPrescription("a long prescription covers 28 to 62 days and names its medicines")
    not_after(p.issued_on, today, "a prescription")
    contract = care.under_contract(p.team_id, p.issued_on)
    if not _chronic(p.condition, contract.started.key_populations, conditions):
        raise NotAChronicPatient(f"the record shows no {p.condition.replace('_', ' ')} condition")
    for earlier in care.prescriptions:
        covered_until = earlier.issued_on + timedelta(days=earlier.days)
        if earlier.condition == p.condition and earlier.issued_on <= p.issued_on < covered_until:
            raise PrescriptionStillCovers(f"prescription {earlier.prescription_id} covers until {covered_until}")
    return LongPrescriptionIssued(
        p.prescription_id, contract.delivered(), p.member_id, p.condition, p.days, p.medicines, p.issued_on
    )


def _chronic(condition: str, key_populations: tuple[str, ...], conditions: Set[str]) -> bool:
    if condition == "other_chronic":
        return bool(conditions)
    return condition in key_populations or bool(CATEGORIES.get(condition, set()) & conditions)
