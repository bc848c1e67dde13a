"""Given/when/then on the health management plan: pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from health_records.domain import plan
from health_records.domain.care_events import ContractedItem, ContractedPackage, ContractStarted
from health_records.domain.errors import (
    BelowContract,
    InvalidPlan,
)
from health_records.domain.norms import PlanNorms
from health_records.domain.plan import PlannedService

AT = datetime(2026, 1, 6, 2, 15, tzinfo=UTC)
REF = "r_" + "a" * 26
NORMS = PlanNorms(
    {
        "hypertension": (ContractedItem("hypertension_follow_up", 4),),
        "diabetes": (ContractedItem("diabetes_follow_up", 4),),
        "elderly": (ContractedItem("elderly_health_check", 1),),
    },
    {"hypertension_follow_up": ("systolic_bp", "diastolic_bp"), "diabetes_follow_up": ("fasting_glucose",)},
)


def contract(contract_id: str = "c1", populations: tuple[str, ...] = ("hypertension", "elderly")) -> ContractStarted:
    packages = (
        ContractedPackage("basic", (ContractedItem("health_assessment", 1),)),
        ContractedPackage(
            "hypertension", (ContractedItem("hypertension_follow_up", 2), ContractedItem("health_check", 1))
        ),
    )
    return ContractStarted(
        contract_id, REF, "T1", "CHC-1", "440106", packages, populations,
        date(2026, 1, 6), date(2027, 1, 5), None, AT,
    )  # fmt: skip


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
