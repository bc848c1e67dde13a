"""Appointments in the appraisal (catalogue 2026.2, from the second half of 2026): booked visits of
contracted residents, waiting days from booking to visit, priority appointments for referrals."""

from __future__ import annotations

from appraisal.domain.facts import AppointmentStep, Facts
from appraisal.domain.periods import Period
from appraisal.domain.strata import Stratum
from services.appraisal.tests.appraisal_facts import (
    CATALOGUE,
    T1,
    T2,
    appraised,
    at,
    contract,
    figure,
    ratio,
    step,
    team,
    visit,
)

H2 = "2026-H2"


def booked(appointment_id: str, slot: str, on: str, hour: int = 9, team_id: str = T1.team_id) -> AppointmentStep:
    return AppointmentStep(appointment_id, "booked", "r_a", team_id, at(slot, hour), at(on), contracted=True)


def then(s: AppointmentStep, name: str, slot: str | None = None, hour: int = 9) -> AppointmentStep:
    starts = at(slot, hour) if slot else s.starts_at
    return AppointmentStep(s.appointment_id, name, s.resident_ref, s.team_id, starts, at(slot or "2026-12-31"))


def visits_and_appointments() -> Facts:
    a1 = booked("A1", "2026-08-03", "2026-07-30")
    a2 = booked("A2", "2026-08-10", "2026-08-01", team_id=T2.team_id)  # with another team
    a3 = booked("A3", "2026-08-25", "2026-08-20")  # moved to 1 September
    a4 = booked("A4", "2026-09-15", "2026-09-10")
    a5 = AppointmentStep("A5", "attended", "r_a", T1.team_id, at("2026-10-01", 9), at("2026-10-01", 11))
    return Facts(
        teams=(team(T1, None), team(T2, None)),
        contracts=(contract("C1", "r_a", starts="2026-01-01"),),
        visits=(
            visit("V1", "r_a", "C1", "2026-08-03"),
            visit("V2", "r_a", "C1", "2026-08-10"),
            visit("V3", "r_a", "C1", "2026-09-01"),
            visit("V4", "r_b", None, "2026-08-03"),  # not under contract
            visit("V5", "r_a", "C1", "2026-09-15"),
            visit("V6", "r_a", "C1", "2026-10-01"),
            visit("V7", "r_a", "C1", "2026-03-02"),  # in the first half
        ),
        appointments=(
            a1,
            then(a1, "attended", "2026-08-03"),
            a2,
            then(a2, "attended", "2026-08-10"),
            a3,
            then(a3, "rescheduled", "2026-09-01"),
            then(a3, "attended", "2026-09-01"),
            a4,
            then(a4, "missed", "2026-09-15"),
            a5,  # its booking not known yet
        ),
    )


def drill(indicator: str, facts: Facts) -> dict[str, str]:
    cases = appraised(facts, H2).drill_down(indicator, Stratum("team", T1.team_id))
    return {c.about: ("excluded: " if c.excluded else f"{c.numerator}/{c.denominator} ") + c.why for c in cases}


def test_a_contracted_residents_visit_was_booked_when_an_appointment_with_its_team_was_attended_that_day() -> None:
    facts = visits_and_appointments()

    assert ratio(figure("booked_visits", facts, stratum=T1.team_id, period=H2)) == (3, 5, "0.6000")
    assert drill("booked_visits", facts) == {
        "V1": "1/1 appointment A1 attended that day",
        "V2": "0/1 no appointment with the team attended that day",  # A2 was with T2
        "V3": "1/1 appointment A3 attended that day",
        "V5": "0/1 no appointment with the team attended that day",  # A4 missed
        "V6": "1/1 appointment A5 attended that day",
    }


def test_the_wait_runs_from_the_first_booking_to_the_slot_attended_and_its_mean_is_the_figure() -> None:
    facts = visits_and_appointments()

    # V1: 30 July → 3 August, 4 days; V3: 20 August → 1 September (moved), 12 days; V6 unknown
    assert ratio(figure("waiting_days", facts, stratum=T1.team_id, period=H2)) == (16, 2, "8.0000")
    assert drill("waiting_days", facts) == {
        "V1": "4/1 booked 4 days ahead",
        "V3": "12/1 booked 12 days ahead",
        "V6": "excluded: appointment A5: its booking not known yet",
    }


def test_priority_appointments_are_the_up_referrals_that_carried_a_booked_specialist_slot() -> None:
    r1, r2, r3, r4 = at("2026-07-10"), at("2026-07-20"), at("2026-08-01"), at("2026-03-01")
    facts = Facts(
        teams=(team(T1, None),),
        referrals=(
            step("R1", "issued", r1, r1, "routine"),
            step("R1", "slot_booked", r1, at("2026-07-11")),
            step("R1", "slot_released", r1, at("2026-07-12")),  # booked once: it counts
            step("R2", "issued", r2, r2, "urgent"),
            step("R2", "accepted", r2, at("2026-07-21")),
            step("R3", "issued", r3, r3, "routine"),
            step("R3", "cancelled", r3, at("2026-08-02")),
            step("R4", "issued", r4, r4, "routine"),  # the first half
            step("R4", "slot_booked", r4, at("2026-03-02")),
        ),
    )

    assert ratio(figure("priority_appointments", facts, stratum=T1.team_id, period=H2)) == (1, 2, "0.5000")
    assert drill("priority_appointments", facts) == {
        "R1": "1/1 a specialist-source place was booked for it",
        "R2": "0/1 no specialist-source place booked for it",
        "R3": "excluded: cancelled with no place booked",
    }
    # a slot is no answer: R1 still unanswered after 72 h, R2 accepted in 24 h, R3 cancelled
    assert ratio(figure("referral_timeliness", facts, stratum=T1.team_id, period=H2))[:2] == (1, 2)


def test_the_appointment_indicators_are_in_force_from_july_2026_and_earlier_periods_keep_their_rules() -> None:
    ids = {p: {i.id for i in CATALOGUE.for_period(Period.parse(p)).indicators} for p in ("2026", "2026-H1", H2)}
    new = {"booked_visits", "waiting_days", "priority_appointments"}

    assert CATALOGUE.for_period(Period.parse(H2)).version == "2026.2"
    assert CATALOGUE.for_period(Period.parse("2026-Q2")).version == "2026.1"
    assert not new & (ids["2026"] | ids["2026-H1"])
    assert new <= ids[H2]
    assert all(not CATALOGUE.for_period(Period.parse(H2)).indicator(i).scored for i in new)  # reported first
