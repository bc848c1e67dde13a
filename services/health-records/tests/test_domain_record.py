"""Given/when/then on the health record: pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from health_records.domain import record
from health_records.domain.errors import (
    AlreadyRecorded,
    ConditionNotActive,
    InFuture,
    InvalidCode,
    InvalidDates,
)
from health_records.domain.record_events import (
    Allergy,
    BasicInformation,
    Condition,
    FamilyHistory,
    RecentInformation,
    RecordOpened,
)

TODAY = date(2026, 4, 10)
AT = datetime(2026, 1, 6, 2, 15, tzinfo=UTC)
OPENED = RecordOpened("r_" + "a" * 26, "440106", "c1", AT)


def given(*events: object) -> record.HealthRecord:
    state: record.HealthRecord | None = None
    for event in (OPENED, *events):
        state = record.evolve(state, event)
    assert state is not None
    return state


# --- the record


def test_the_first_contract_opens_the_record_and_later_ones_find_it_open() -> None:
    assert record.open_record(None, OPENED) == [OPENED]
    assert record.open_record(given(), RecordOpened(OPENED.resident_ref, "440106", "c2", AT)) == []


def test_a_condition_is_on_the_record_once_until_it_resolves() -> None:
    hypertension = Condition("I10", "Essential hypertension", date(2020, 5, 1))
    recorded = record.record_condition(given(), hypertension, TODAY)
    with pytest.raises(AlreadyRecorded):
        record.record_condition(given(recorded), hypertension, TODAY)

    resolved = record.resolve_condition(given(recorded), "I10", TODAY, TODAY)
    again = record.record_condition(given(recorded, resolved), hypertension, TODAY)

    state = given(recorded, resolved, again)
    assert [(c.condition.code, c.resolved_on) for c in state.conditions] == [("I10", TODAY), ("I10", None)]
    assert state.active_categories() == {"I10"}


def test_only_an_active_condition_resolves_and_not_before_its_diagnosis() -> None:
    recorded = record.record_condition(given(), Condition("E11.900", "Type 2 diabetes", date(2024, 1, 1)), TODAY)
    with pytest.raises(ConditionNotActive):
        record.resolve_condition(given(recorded), "I10", TODAY, TODAY)
    with pytest.raises(InvalidDates):
        record.resolve_condition(given(recorded), "E11.900", date(2023, 12, 31), TODAY)
    with pytest.raises(InFuture):
        record.resolve_condition(given(recorded), "E11.900", date(2026, 4, 11), TODAY)


@pytest.mark.parametrize("code", ["hypertension", "I1", "110", "i10", "I10.", ""])
def test_conditions_are_coded_in_icd10(code: str) -> None:
    with pytest.raises(InvalidCode):
        record.record_condition(given(), Condition(code, "x", TODAY), TODAY)
    with pytest.raises(InvalidCode):
        record.record_family_history(given(), FamilyHistory("father", code, "x"))


@pytest.mark.parametrize("code", ["I10", "E11.9", "I10.x00x002", "U07.1"])
def test_icd10_codes_with_subdivisions_are_accepted(code: str) -> None:
    assert record.record_condition(given(), Condition(code, "x", TODAY), TODAY).condition.code == code


def test_nothing_is_dated_after_today() -> None:
    tomorrow = date(2026, 4, 11)
    with pytest.raises(InFuture):
        record.record_basic(BasicInformation("Li Hua", "female", tomorrow), TODAY)
    with pytest.raises(InFuture):
        record.record_condition(given(), Condition("I10", "x", tomorrow), TODAY)
    with pytest.raises(InFuture):
        record.record_recent(RecentInformation("surgery", "appendix", tomorrow), TODAY)


def test_allergies_and_family_history_are_recorded_once() -> None:
    penicillin = record.record_allergy(given(), Allergy("Penicillin", "rash", "moderate"))
    father = record.record_family_history(given(), FamilyHistory("father", "I10", "Hypertension"))
    with pytest.raises(AlreadyRecorded):
        record.record_allergy(given(penicillin), Allergy("penicillin", "fever", "mild"))
    with pytest.raises(AlreadyRecorded):
        record.record_family_history(given(father), FamilyHistory("father", "I10", "High blood pressure"))
    assert record.record_family_history(given(father), FamilyHistory("mother", "I10", "x")).entry.relative == "mother"


def test_the_record_holds_every_change_in_order() -> None:
    first = BasicInformation("Li Hua", "female", date(1949, 12, 31), phone="13800138000")
    moved = BasicInformation("Li Hua", "female", date(1949, 12, 31), phone="13900139000", address="Shipai")
    state = given(
        record.record_basic(first, TODAY),
        record.record_basic(moved, TODAY),
        record.record_recent(RecentInformation("hospitalisation", "pneumonia, 5 days", date(2026, 3, 1)), TODAY),
    )
    assert state.basic == moved
    assert [r.kind for r in state.recent] == ["hospitalisation"]
