"""Given/when/then on the record and the management plan: pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from health_records.domain import plan, record
from health_records.domain.care_events import ContractedItem, ContractedPackage, ContractStarted
from health_records.domain.errors import (
    AlreadyRecorded,
    BelowContract,
    ConditionNotActive,
    InFuture,
    InvalidCode,
    InvalidDates,
    InvalidPlan,
)
from health_records.domain.norms import PlanNorms
from health_records.domain.plan import PlannedService
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
NORMS = PlanNorms(
    {
        "hypertension": (ContractedItem("hypertension_follow_up", 4),),
        "diabetes": (ContractedItem("diabetes_follow_up", 4),),
        "elderly": (ContractedItem("elderly_health_check", 1),),
    },
    {"hypertension_follow_up": ("systolic_bp", "diastolic_bp"), "diabetes_follow_up": ("fasting_glucose",)},
)


def given(*events: object) -> record.HealthRecord:
    state: record.HealthRecord | None = None
    for event in (OPENED, *events):
        state = record.evolve(state, event)
    assert state is not None
    return state


def contract(contract_id: str = "c1", populations: tuple[str, ...] = ("hypertension", "elderly")) -> ContractStarted:
    packages = (
        ContractedPackage("basic", (ContractedItem("health_assessment", 1),)),
        ContractedPackage(
            "hypertension", (ContractedItem("hypertension_follow_up", 2), ContractedItem("health_check", 1))
        ),
    )
    return ContractStarted(
        contract_id, OPENED.resident_ref, "T1", "CHC-1", "440106", packages, populations,
        date(2026, 1, 6), date(2027, 1, 5), None, AT,
    )  # fmt: skip


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


# --- the management plan


def test_the_plan_takes_package_items_and_the_norms_of_key_populations() -> None:
    services = {s.item_code: s for s in plan.derive(NORMS, contract(populations=("hypertension", "elderly")))}

    assert sorted(services) == ["elderly_health_check", "health_assessment", "health_check", "hypertension_follow_up"]
    follow_up = services["hypertension_follow_up"]
    assert (follow_up.times_per_year, follow_up.contracted) == (4, 2), "the norm's quarterly beats the package's 2"
    assert follow_up.measurements == ("systolic_bp", "diastolic_bp")
    assert (follow_up.packages, follow_up.populations) == (("hypertension",), ("hypertension",))
    elderly = services["elderly_health_check"]
    assert (elderly.times_per_year, elderly.contracted, elderly.populations) == (1, 0, ("elderly",))


def test_a_diabetic_resident_is_planned_a_quarterly_fasting_glucose() -> None:
    services = {s.item_code: s for s in plan.derive(NORMS, contract(populations=("diabetes",)))}
    assert services["diabetes_follow_up"] == PlannedService(
        "diabetes_follow_up", 4, ("fasting_glucose",), contracted=0, populations=("diabetes",)
    )


def test_each_new_contract_draws_the_plan_and_the_same_contract_does_not() -> None:
    drawn = plan.draw(None, NORMS, contract("c1"))
    state = plan.evolve(None, drawn[0])

    assert plan.draw(state, NORMS, contract("c1")) == []
    assert plan.draw(state, NORMS, contract("c2", populations=()))[0].contract_id == "c2"


def test_a_revision_never_plans_a_package_item_below_the_contract() -> None:
    state = plan.evolve(None, plan.draw(None, NORMS, contract())[0])
    kept = [PlannedService(s.item_code, s.times_per_year, s.measurements) for s in state.services]
    monthly = [s if s.item_code != "hypertension_follow_up" else PlannedService(s.item_code, 12) for s in kept]

    revised = plan.revise(state, monthly, "pressure not controlled", AT)
    with pytest.raises(BelowContract):
        plan.revise(state, [s for s in kept if s.item_code != "health_check"], "drop", AT)
    with pytest.raises(BelowContract):
        lowered = [PlannedService(s.item_code, 1) if s.item_code == "hypertension_follow_up" else s for s in kept]
        plan.revise(state, lowered, "less", AT)

    follow_up = next(s for s in revised.services if s.item_code == "hypertension_follow_up")
    assert (follow_up.times_per_year, follow_up.contracted, follow_up.packages) == (12, 2, ("hypertension",))
    assert plan.evolve(state, revised).service("hypertension_follow_up") == follow_up


@pytest.mark.parametrize(
    ("services", "reason"),
    [
        ([PlannedService("x", 1), PlannedService("x", 2)], "duplicate"),
        ([PlannedService("x", 0)], "never"),
        ([PlannedService("x", 1, ("blood_colour",))], "unknown measurement"),
        ([], "   "),
    ],
)
def test_a_revision_is_well_formed_and_says_why(services: list[PlannedService], reason: str) -> None:
    state = plan.evolve(None, plan.draw(None, NORMS, contract(populations=()))[0])
    free = [PlannedService(s.item_code, s.contracted) for s in state.services]
    with pytest.raises(InvalidPlan):
        plan.revise(state, [*free, *services], reason, AT)
