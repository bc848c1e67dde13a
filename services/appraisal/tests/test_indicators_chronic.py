"""Effective performance and service effect for chronic patients: follow-up and control rates."""

from __future__ import annotations

from decimal import Decimal

from appraisal.domain.facts import Facts
from services.appraisal.tests.appraisal_facts import (
    DIABETES,
    HYPERTENSION,
    T1,
    T2,
    contract,
    figure,
    ratio,
    team,
    visit,
    why,
)

HTN = ("hypertension",)


def hypertension() -> Facts:
    fu = "hypertension_follow_up"
    return Facts(
        teams=(team(T1, None), team(T2, None)),
        contracts=(
            contract("c1", "r_1", starts="2025-03-01", items=HYPERTENSION, tags=HTN),
            contract("c1r", "r_1", starts="2026-03-01", items=HYPERTENSION, tags=HTN, renews="c1"),
            contract("c2", "r_2", starts="2026-01-01", items=HYPERTENSION, tags=HTN),
            contract("c3", "r_3", starts="2026-11-01", items=HYPERTENSION, tags=HTN),  # too late in the year
            contract("c4", "r_4", starts="2026-01-01", items=DIABETES, tags=("diabetes",)),
            contract("c5", "r_5", starts="2026-01-01", where=T2, items=HYPERTENSION, tags=HTN),
            contract("c6", "r_6", starts="2026-01-01", items=HYPERTENSION, tags=HTN),
        ),
        visits=(
            visit("h1", "r_1", "c1", "2026-02-10", fu),
            visit("h2", "r_1", "c1r", "2026-05-10", fu, systolic_bp=150, diastolic_bp=95),
            visit("h3", "r_1", "c1r", "2026-08-10", fu),
            visit("h4", "r_1", "c1r", "2026-11-10", fu, systolic_bp=132, diastolic_bp=84),
            visit("h5", "r_2", "c2", "2026-03-01", fu),
            visit("h6", "r_2", "c2", "2026-06-01", fu),
            visit("h6", "r_2", "c2", "2026-06-01", fu),  # the same visit again
            visit("h7", "r_2", "c2", "2026-09-01", fu, systolic_bp=140, diastolic_bp=85),
            visit("h8", "r_5", "c5", "2025-12-20", fu, where=T2),  # last year
            visit("h9", "r_6", "c6", "2026-04-01", fu, systolic_bp=128),  # no diastolic: not a reading
        ),
    )


def test_hypertension_follow_up_needs_four_a_year_and_leaves_out_late_starters() -> None:
    facts = hypertension()

    # T1's patients: r_1 (4 follow-ups across its renewal), r_2 (3: h6 once), r_6 (1); r_3 began
    # on 1 November, within 90 days of the year's end; r_4 is diabetic only → 1 ÷ 3
    assert ratio(figure("hypertension_follow_up", facts)) == (1, 3, "0.3333")
    assert why("hypertension_follow_up", facts) == {
        "c1r": "1/1 4 follow-ups in the period, 4 required",
        "c2": "0/1 3 follow-ups in the period, 4 required",
        "c3": "excluded: care began 2026-11-01, fewer than 90 days before the period's end",
        "c6": "0/1 1 follow-ups in the period, 4 required",
    }
    # a half year requires 4 x 6 ÷ 12 = 2: r_1 (h1, h2) and r_2 (h5, h6) do; r_6 has 1 → 2 ÷ 3
    assert ratio(figure("hypertension_follow_up", facts, period="2026-H1", as_of="2026-07-15")) == (2, 3, "0.6667")
    assert ratio(figure("hypertension_follow_up", facts, stratum="T2")) == (0, 1, "0.0000")


def test_hypertension_control_reads_the_last_full_reading_strictly_below_140_90() -> None:
    facts = hypertension()

    # r_1 last 132/84 (controlled); r_2 140/85 (140 is not below 140); r_6 no full reading → 1 ÷ 3
    assert ratio(figure("hypertension_control", facts)) == (1, 3, "0.3333")
    assert why("hypertension_control", facts)["c1r"] == (
        "1/1 last reading 2026-11-10 (h4): systolic_bp 132, diastolic_bp 84, below 140/90"
    )
    assert why("hypertension_control", facts)["c6"] == "0/1 no reading in the period"
    assert figure("hypertension_control", facts).points == Decimal("0.00")  # 0.3333 is under the lower 0.4


def diabetes() -> Facts:
    fu = "diabetes_follow_up"
    return Facts(
        teams=(team(T1, None), team(T2, None)),
        contracts=(
            contract("d1", "r_1", starts="2026-01-01", items=DIABETES, tags=("diabetes", "elderly")),
            contract("d2", "r_2", starts="2026-01-01", items=DIABETES, tags=("diabetes",)),
            contract("d3", "r_3", starts="2026-01-01", items=HYPERTENSION, tags=HTN),
        ),
        visits=(
            *(visit(f"g{m}", "r_1", "d1", f"2026-{m:02d}-15", fu, fasting_glucose=7.4) for m in (2, 5, 8)),
            visit("g11", "r_1", "d1", "2026-11-15", fu, fasting_glucose=6.8),
            visit("g20", "r_2", "d2", "2026-04-15", fu, fasting_glucose=6.1),
            visit("g21", "r_2", "d2", "2026-10-15", fu, fasting_glucose=7.0),
        ),
    )


def test_diabetes_follow_up_and_control() -> None:
    facts = diabetes()

    # r_1: 4 follow-ups, last glucose 6.8; r_2: 2 follow-ups, last 7.0 (not below 7.0); r_3 is not diabetic
    assert ratio(figure("diabetes_follow_up", facts)) == (1, 2, "0.5000")
    assert ratio(figure("diabetes_control", facts)) == (1, 2, "0.5000")
    # control points: (0.5 - 0.4) ÷ (0.7 - 0.4) x 7 = 2.333… → 2.33
    assert figure("diabetes_control", facts).points == Decimal("2.33")
    # no diabetic patient in T2: an empty denominator, not applicable
    assert ratio(figure("diabetes_control", facts, stratum="T2")) == (0, 0, None)
    assert figure("diabetes_control", facts, stratum="T2").points is None
