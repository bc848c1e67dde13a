"""Remote readings (residents' own devices) in the chronic indicators: counted from catalogue 2027.1,
as its parameters say; the same facts a year earlier, under 2026.x, count as before (visits only)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from appraisal.domain.facts import ContractFact, Facts, RemoteReading, VisitFact
from appraisal.domain.strata import Stratum
from services.appraisal.tests.appraisal_facts import (
    CATALOGUE,
    DIABETES,
    HYPERTENSION,
    T1,
    appraised,
    at,
    contract,
    figure,
    ratio,
    team,
    visit,
)

HTN, DM = ("hypertension",), ("diabetes",)
FU, DFU = "hypertension_follow_up", "diabetes_follow_up"


def reading(resident: str, on: str, kind: str, value: float, hour: int = 7) -> RemoteReading:
    """From device d1, at `hour` local time."""
    measured = at(on, hour)
    return RemoteReading(f"d1:{kind}@{measured.isoformat()}", resident, T1, "d1", kind, value, measured)


def bp(resident: str, on: str, systolic: float, diastolic: float, hour: int = 7) -> tuple[RemoteReading, ...]:
    """A blood-pressure monitor's reading: systolic and diastolic at one instant."""
    return reading(resident, on, "systolic_bp", systolic, hour), reading(resident, on, "diastolic_bp", diastolic, hour)


def facts_2027() -> Facts:
    return Facts(
        teams=(team(T1, None),),
        contracts=(
            contract("c1", "r_1", starts="2026-06-01", years=2, items=HYPERTENSION, tags=HTN),
            contract("c2", "r_2", starts="2026-06-01", years=2, items=HYPERTENSION, tags=HTN),
            contract("c3", "r_3", starts="2026-06-01", years=2, items=DIABETES, tags=DM),
        ),
        visits=(
            visit("v1", "r_1", "c1", "2027-02-10", FU),
            visit("v2", "r_1", "c1", "2027-05-10", FU, systolic_bp=150, diastolic_bp=95),
            visit("v3", "r_2", "c2", "2027-02-10", FU),
            visit("v4", "r_2", "c2", "2027-11-10", FU, systolic_bp=132, diastolic_bp=84),
            visit("v5", "r_3", "c3", "2027-03-01", DFU, fasting_glucose=8.0),
        ),
        readings=(
            # r_1: March 4 readings (a follow-up), April 3 (not), December 5 (a follow-up), the last 128/82
            *(r for day in (3, 9, 16, 23) for r in bp("r_1", f"2027-03-{day:02d}", 145, 92)),
            *(r for day in (6, 13, 20) for r in bp("r_1", f"2027-04-{day:02d}", 145, 92)),
            *(r for day in (1, 2, 3, 4) for r in bp("r_1", f"2027-12-{day:02d}", 138, 88)),
            *bp("r_1", "2027-12-05", 128, 82),
            # r_2: a remote 150/95 at the visit's instant (the visit's reading wins); later a systolic alone
            *bp("r_2", "2027-11-10", 150, 95, hour=10),
            reading("r_2", "2027-12-01", "systolic_bp", 170),
            # r_3: non-fasting glucose 4 a month from April to June; a fasting 6.5 on 20 June; a later non-fasting 12
            *(reading("r_3", f"2027-{m:02d}-{d:02d}", "glucose", 9.0) for m in (4, 5, 6) for d in (2, 9, 16, 23)),
            reading("r_3", "2027-06-20", "fasting_glucose", 6.5),
            reading("r_3", "2027-06-30", "glucose", 12.0),
        ),
    )


def a_year_earlier(facts: Facts) -> Facts:
    """The same residents and facts, each a year (52 weeks) earlier: under catalogue 2026.x."""
    back = timedelta(weeks=52)

    def contract_(c: ContractFact) -> ContractFact:
        first = c.starts_on.replace(year=c.starts_on.year - 1)
        return replace(c, starts_on=first, ends_on=c.ends_on.replace(year=c.ends_on.year - 1), signed_at=at(str(first)))

    def visit_(v: VisitFact) -> VisitFact:
        return replace(v, occurred_at=v.occurred_at - back)

    def reading_(r: RemoteReading) -> RemoteReading:
        return replace(r, reading_id=r.reading_id + "-1", measured_at=r.measured_at - back)

    return replace(
        facts,
        contracts=tuple(map(contract_, facts.contracts)),
        visits=tuple(map(visit_, facts.visits)),
        readings=tuple(map(reading_, facts.readings)),
    )


def why(indicator: str, facts: Facts, period: str) -> dict[str, str]:
    cases = appraised(facts, period, f"{int(period) + 1}-01-15").drill_down(indicator, Stratum("team", "T1"))
    return {c.about: ("excluded: " if c.excluded else f"{c.numerator}/{c.denominator} ") + c.why for c in cases}


def test_catalogue_2027_1_counts_remote_readings_and_2026_versions_do_not() -> None:
    assert CATALOGUE.for_period(appraised(Facts(), "2027", "2028-01-15").window.period).version == "2027.1"
    for version in CATALOGUE.versions[:-1]:
        assert version.version in ("2025.1", "2026.1", "2026.2")
        chronic = [i for i in version.indicators if i.method in ("follow_up", "control")]
        assert chronic and not any("remote" in p for i in chronic for p in i.parameters)


def test_a_month_with_four_remote_readings_is_one_follow_up() -> None:
    facts = facts_2027()

    # r_1: visits v1, v2 + March and December (April has 3) = 4 of 4; r_2: visits v3, v4 = 2 (no month
    # with 4 readings); r_3: visit v5 + April, May, June of non-fasting glucose = 4
    assert why("hypertension_follow_up", facts, "2027") == {
        "c1": "1/1 4 follow-ups in the period, 4 required",
        "c2": "0/1 2 follow-ups in the period, 4 required",
    }
    assert why("diabetes_follow_up", facts, "2027") == {"c3": "1/1 4 follow-ups in the period, 4 required"}
    assert ratio(figure("hypertension_follow_up", facts, period="2027", as_of="2028-01-15")) == (1, 2, "0.5000")
    # a quarter needs 1: r_2 had v3 in the first; r_1 v1 and March
    assert ratio(figure("hypertension_follow_up", facts, period="2027-Q1", as_of="2027-04-15")) == (2, 2, "1.0000")


def test_the_last_reading_for_control_may_be_a_devices() -> None:
    facts = facts_2027()

    assert why("hypertension_control", facts, "2027") == {
        "c1": "1/1 last reading 2027-12-05 (device d1): systolic_bp 128, diastolic_bp 82, below 140/90",
        # the device's 150/95 at the visit's instant yields to the visit; a systolic alone is no reading
        "c2": "1/1 last reading 2027-11-10 (v4): systolic_bp 132, diastolic_bp 84, below 140/90",
    }
    # the fasting 6.5 from the meter is later than the visit's 8.0; a non-fasting glucose is not a fasting one
    assert why("diabetes_control", facts, "2027") == {
        "c3": "1/1 last reading 2027-06-20 (device d1): fasting_glucose 6.5, below 7"
    }


def test_under_2026_the_same_facts_count_as_before() -> None:
    facts = a_year_earlier(facts_2027())

    assert why("hypertension_follow_up", facts, "2026") == {
        "c1": "0/1 2 follow-ups in the period, 4 required",
        "c2": "0/1 2 follow-ups in the period, 4 required",
    }
    assert why("diabetes_follow_up", facts, "2026") == {"c3": "0/1 1 follow-ups in the period, 4 required"}
    control = why("hypertension_control", facts, "2026")
    assert control["c1"].startswith("0/1 last reading 2026-05-11 (v2): systolic_bp 150, diastolic_bp 95")
    assert why("diabetes_control", facts, "2026")["c3"].startswith("0/1 last reading 2026-03-02 (v5)")
    without = replace(facts, readings=())
    for indicator in ("hypertension_follow_up", "hypertension_control", "diabetes_follow_up", "diabetes_control"):
        assert why(indicator, facts, "2026") == why(indicator, without, "2026")
