"""Given/when/then on family sickbeds, long prescriptions and ratings. Pure rules, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from health_records.domain import care, contracts, feedback, prescriptions, sickbeds
from health_records.domain.care_events import (
    ContractedItem,
    ContractedPackage,
    ContractStarted,
    Delivered,
    Scores,
    VisitCompleted,
)
from health_records.domain.errors import (
    InFuture,
    InvalidDates,
    InvalidPrescription,
    InvalidScore,
    NoRecentContract,
    NotAChronicPatient,
    NotUnderContract,
    PrescriptionStillCovers,
    RatedRecently,
    SickbedAlreadyOpen,
    SickbedClosed,
    SickbedNotFound,
)

REF = "r_" + "a" * 26
NOW = datetime(2026, 4, 10, 2, 30, tzinfo=UTC)
TODAY = date(2026, 4, 10)
STARTED = ContractStarted(
    "c1", REF, "T1", "CHC-1", "440106",
    (ContractedPackage("hypertension", (ContractedItem("hypertension_follow_up", 4),)),),
    ("hypertension",), date(2026, 1, 6), date(2027, 1, 5), None, NOW - timedelta(days=100),
)  # fmt: skip


def given(*events: object) -> care.Care:
    state: care.Care | None = None
    for event in (STARTED, *events):
        state = care.evolve(state, event)
    assert state is not None
    return state


# --- family sickbeds


def test_one_family_sickbed_at_a_time_discharged_once_by_its_team() -> None:
    admitted = sickbeds.admit(given(), sickbeds.Admission("s1", "T1", "stroke", date(2026, 4, 1)), TODAY)
    with pytest.raises(SickbedAlreadyOpen):
        sickbeds.admit(given(admitted), sickbeds.Admission("s2", "T1", "again", TODAY), TODAY)
    with pytest.raises(InFuture):
        sickbeds.admit(given(), sickbeds.Admission("s1", "T1", "later", date(2026, 4, 11)), TODAY)
    with pytest.raises(InvalidDates):
        sickbeds.discharge(given(admitted), "T1", "s1", date(2026, 3, 31), TODAY)
    with pytest.raises(NotUnderContract):
        sickbeds.discharge(given(admitted), "T2", "s1", TODAY, TODAY)
    with pytest.raises(SickbedNotFound):
        sickbeds.discharge(given(admitted), "T1", "s9", TODAY, TODAY)

    discharged = sickbeds.discharge(given(admitted), "T1", "s1", TODAY, TODAY)

    assert (discharged.admitted_on, discharged.discharged_on) == (date(2026, 4, 1), TODAY)
    with pytest.raises(SickbedClosed):
        sickbeds.discharge(given(admitted, discharged), "T1", "s1", TODAY, TODAY)
    assert sickbeds.admit(given(admitted, discharged), sickbeds.Admission("s2", "T1", "again", TODAY), TODAY)


# --- long prescriptions


def prescription(**changes: object) -> prescriptions.Prescription:
    p = prescriptions.Prescription("p1", "T1", "doc-1", "hypertension", 56, ("amlodipine 5 mg",), TODAY)
    return replace(p, **changes)


@pytest.mark.parametrize("changes", [{"days": 27}, {"days": 63}, {"medicines": ()}])
def test_a_long_prescription_covers_one_to_two_months_of_named_medicines(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidPrescription):
        prescriptions.issue(given(), set(), prescription(**changes), TODAY)


def test_only_a_chronic_patient_gets_a_long_prescription() -> None:
    assert prescriptions.issue(given(), set(), prescription(), TODAY).days == 56, "tagged hypertension"
    assert prescriptions.issue(given(), {"E11"}, prescription(condition="diabetes"), TODAY).condition == "diabetes"
    with pytest.raises(NotAChronicPatient):
        prescriptions.issue(given(), {"I10"}, prescription(condition="diabetes"), TODAY)
    with pytest.raises(NotAChronicPatient):
        prescriptions.issue(given(), set(), prescription(condition="other_chronic"), TODAY)


def test_a_long_prescription_waits_until_the_last_one_runs_out() -> None:
    first = prescriptions.issue(given(), set(), prescription(issued_on=date(2026, 3, 1)), TODAY)
    with pytest.raises(PrescriptionStillCovers):
        prescriptions.issue(given(first), set(), prescription(issued_on=date(2026, 4, 10)), TODAY)
    assert prescriptions.issue(given(first), set(), prescription(issued_on=date(2026, 4, 26)), date(2026, 4, 26))
    with pytest.raises(InFuture):
        prescriptions.issue(given(), set(), prescription(issued_on=date(2026, 4, 11)), TODAY)


# --- ratings


def rating(team_id: str = "T1", ability: int = 5) -> feedback.Rating:
    return feedback.Rating("rt1", team_id, Scores(ability, 4, 4), "kind and quick")


def test_a_resident_rates_a_team_of_an_active_or_recent_contract() -> None:
    ended = given(*contracts.note_ended(given(), "c1", "moved_away", date(2026, 1, 31)))
    rated = feedback.rate(given(), rating(), NOW, TODAY, 90)
    assert (rated.under.contract_id, rated.comment) == ("c1", "kind and quick")
    assert feedback.rate(ended, rating(), NOW, date(2026, 5, 1), 90)
    with pytest.raises(NoRecentContract):
        feedback.rate(ended, rating(), NOW, date(2026, 5, 2), 90)
    with pytest.raises(NoRecentContract):
        feedback.rate(given(), rating("T2"), NOW, TODAY, 90)
    with pytest.raises(NoRecentContract):
        feedback.rate(given(), rating(), NOW, date(2026, 1, 5), 90)


def test_a_resident_rates_a_team_once_a_month() -> None:
    rated = feedback.rate(given(), rating(), NOW, TODAY, 90)
    with pytest.raises(RatedRecently):
        feedback.rate(given(rated), rating(), NOW, TODAY + timedelta(days=29), 90)
    assert feedback.rate(given(rated), rating(), NOW, TODAY + timedelta(days=30), 90)


@pytest.mark.parametrize("score", [0, 6])
def test_scores_are_one_to_five(score: int) -> None:
    with pytest.raises(InvalidScore):
        feedback.rate(given(), rating(ability=score), NOW, TODAY, 90)


UNDER = Delivered(REF, "c1", "T1", "CHC-1", "440106")


def test_a_rating_names_the_member_who_last_served_the_resident_for_the_team() -> None:
    """Credited to them in performance pay (billing); none before any visit."""
    served = [
        VisitCompleted(f"v{n}", UNDER, member, role, "home", (), (), None, at, at.date())  # type: ignore[arg-type]
        for n, (member, role, at) in enumerate(
            [
                ("doc-1", "family_doctor", NOW - timedelta(days=9)),
                ("nurse-1", "community_nurse", NOW - timedelta(days=2)),
            ]
        )
    ]

    rated = feedback.rate(given(*served), rating(), NOW, TODAY, 90)

    assert (rated.member_id, rated.member_role) == ("nurse-1", "community_nurse")
    assert feedback.rate(given(), rating(), NOW, TODAY, 90).member_id is None
