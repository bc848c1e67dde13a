"""A resident's health record: basic information, past history and recent medical information.

Every change is an event of the record's stream, so its history is complete: entries are
added (a condition is resolved, never deleted), and the basic information is replaced only
by a newer recording of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from health_records.domain.dates import not_after
from health_records.domain.errors import AlreadyRecorded, ConditionNotActive, InvalidCode, InvalidDates
from health_records.domain.record_events import (
    Allergy,
    AllergyRecorded,
    BasicInformation,
    BasicInformationRecorded,
    Condition,
    ConditionRecorded,
    ConditionResolved,
    FamilyHistory,
    FamilyHistoryRecorded,
    RecentInformation,
    RecentInformationRecorded,
    RecordOpened,
)

# ICD-10 category (letter, two digits) and an optional subdivision, as in China's clinical
# edition ("I10.x00x002"): the category is what rules compare.
ICD10 = re.compile(r"^[A-Z]\d{2}(\.[0-9A-Za-z]{1,10})?$")


@dataclass(frozen=True)
class PastCondition:
    condition: Condition
    resolved_on: date | None = None


@dataclass(frozen=True)
class HealthRecord:
    opened: RecordOpened
    basic: BasicInformation | None = None
    conditions: tuple[PastCondition, ...] = ()
    allergies: tuple[Allergy, ...] = ()
    family_history: tuple[FamilyHistory, ...] = ()
    recent: tuple[RecentInformation, ...] = ()

    def active(self, code: str) -> PastCondition | None:
        return next((c for c in self.conditions if c.condition.code == code and c.resolved_on is None), None)

    def active_categories(self) -> set[str]:
        return {c.condition.code[:3] for c in self.conditions if c.resolved_on is None}


def open_record(record: HealthRecord | None, opened: RecordOpened) -> list[RecordOpened]:
    """The first contract opens the record; later ones find it open."""
    return [] if record is not None else [opened]


def record_basic(info: BasicInformation, today: date) -> BasicInformationRecorded:
    not_after(info.birth_date, today, "a birth date")
    return BasicInformationRecorded(info)


def record_condition(record: HealthRecord, condition: Condition, today: date) -> ConditionRecorded:
    _check_code(condition.code)
    not_after(condition.diagnosed_on, today, "a diagnosis")
    if record.active(condition.code) is not None:
        raise AlreadyRecorded(f"condition {condition.code} is already on the record and not resolved")
    return ConditionRecorded(condition)


def resolve_condition(record: HealthRecord, code: str, resolved_on: date, today: date) -> ConditionResolved:
    past = record.active(code)
    if past is None:
        raise ConditionNotActive(f"no unresolved condition {code} is on the record")
    not_after(resolved_on, today, "a resolution")
    if resolved_on < past.condition.diagnosed_on:
        raise InvalidDates(f"condition {code} cannot be resolved before it was diagnosed")
    return ConditionResolved(code, resolved_on)


def record_allergy(record: HealthRecord, allergy: Allergy) -> AllergyRecorded:
    if any(a.substance.casefold() == allergy.substance.casefold() for a in record.allergies):
        raise AlreadyRecorded(f"an allergy to {allergy.substance} is already on the record")
    return AllergyRecorded(allergy)


def record_family_history(record: HealthRecord, entry: FamilyHistory) -> FamilyHistoryRecorded:
    _check_code(entry.code)
    if any((f.relative, f.code) == (entry.relative, entry.code) for f in record.family_history):
        raise AlreadyRecorded(f"the {entry.relative}'s {entry.code} is already on the record")
    return FamilyHistoryRecorded(entry)


def record_recent(entry: RecentInformation, today: date) -> RecentInformationRecorded:
    not_after(entry.occurred_on, today, "recent information")
    return RecentInformationRecorded(entry)


def _check_code(code: str) -> None:
    if not ICD10.match(code):
        raise InvalidCode(f"{code!r} is not an ICD-10 code (a letter, two digits, optionally a dot and more)")


def evolve(record: HealthRecord | None, event: object) -> HealthRecord:
    if isinstance(event, RecordOpened):
        return HealthRecord(event)
    apply = _APPLY.get(type(event))
    if record is None or apply is None:
        raise ValueError(f"{type(event).__name__} does not apply to health record {record}")
    return apply(record, event)


def _resolved(record: HealthRecord, e: ConditionResolved) -> HealthRecord:
    def resolve(past: PastCondition) -> PastCondition:
        matches = past.condition.code == e.code and past.resolved_on is None
        return replace(past, resolved_on=e.resolved_on) if matches else past

    return replace(record, conditions=tuple(resolve(c) for c in record.conditions))


_APPLY: dict[type, Callable[[HealthRecord, Any], HealthRecord]] = {
    BasicInformationRecorded: lambda r, e: replace(r, basic=e.information),
    ConditionRecorded: lambda r, e: replace(r, conditions=(*r.conditions, PastCondition(e.condition))),
    ConditionResolved: _resolved,
    AllergyRecorded: lambda r, e: replace(r, allergies=(*r.allergies, e.allergy)),
    FamilyHistoryRecorded: lambda r, e: replace(r, family_history=(*r.family_history, e.entry)),
    RecentInformationRecorded: lambda r, e: replace(r, recent=(*r.recent, e.entry)),
}
