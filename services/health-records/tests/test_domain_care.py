"""Given/when/then on a resident's care: contracts, visits, measurements, prescriptions,
family sickbeds and ratings. Pure rules, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from health_records.domain import care, contracts, feedback, measurements, prescriptions, roster, sickbeds, visits
from health_records.domain.care_events import (
    ContractedItem,
    ContractedPackage,
    ContractStarted,
    Measurement,
    Scores,
)
from health_records.domain.errors import (
    DuplicateMeasurement,
    ImplausibleMeasurement,
    InFuture,
    InvalidDates,
    InvalidPrescription,
    InvalidScore,
    ItemNotPlanned,
    MeasurementMissing,
    NoFamilySickbed,
    NoRecentContract,
    NotAChronicPatient,
    NotATeamMember,
    NotUnderContract,
    PrescriptionStillCovers,
    RatedRecently,
    SickbedAlreadyOpen,
    SickbedClosed,
    SickbedNotFound,
    UnknownContract,
    WrongUnit,
)
from health_records.domain.plan import ManagementPlan, PlanDrawn, PlannedService

REF = "r_" + "a" * 26
NOW = datetime(2026, 4, 10, 2, 30, tzinfo=UTC)
TODAY = date(2026, 4, 10)
STARTED = ContractStarted(
    "c1", REF, "T1", "CHC-1", "440106",
    (ContractedPackage("hypertension", (ContractedItem("hypertension_follow_up", 4),)),),
    ("hypertension",), date(2026, 1, 6), date(2027, 1, 5), None, NOW - timedelta(days=100),
)  # fmt: skip
SERVICES = (
    PlannedService("hypertension_follow_up", 4, ("systolic_bp", "diastolic_bp"), 4, ("hypertension",)),
    PlannedService("sickbed_visit", 12),
)
PLAN = ManagementPlan(PlanDrawn(REF, "c1", ("hypertension",), SERVICES, NOW), SERVICES, NOW)
BP = (Measurement("systolic_bp", 132, "mmHg"), Measurement("diastolic_bp", 84, "mmHg"))


def given(*events: object) -> care.Care:
    state: care.Care | None = None
    for event in (STARTED, *events):
        state = care.evolve(state, event)
    assert state is not None
    return state


def report(**changes: object) -> visits.VisitReport:
    visit = visits.VisitReport("v1", "T1", "doc-1", "home", ("hypertension_follow_up",), BP, "stable", NOW, TODAY)
    return replace(visit, **changes)


# --- contracts


def test_a_contract_is_noted_once_and_ends_once() -> None:
    assert contracts.note_started(None, STARTED) == [STARTED]
    assert contracts.note_started(given(), STARTED) == []
    ended = contracts.note_ended(given(), "c1", "moved_away", date(2026, 5, 31))
    assert contracts.note_ended(given(*ended), "c1", "moved_away", date(2026, 5, 31)) == []
    with pytest.raises(UnknownContract):
        contracts.note_ended(given(), "c9", "death", TODAY)
    with pytest.raises(UnknownContract):
        contracts.note_ended(None, "c1", "death", TODAY)


def test_the_team_is_in_charge_until_the_contract_s_last_day() -> None:
    ended = given(*contracts.note_ended(given(), "c1", "resident_request", date(2026, 5, 31)))
    assert ended.in_charge("T1", date(2026, 5, 31)) and not ended.in_charge("T1", date(2026, 6, 1))
    assert not given().in_charge("T2", TODAY)
    assert given().in_charge("T1", date(2026, 1, 1)), "a contract signed to start later already binds the team"


# --- visits and their measurements


def test_a_visit_names_the_contract_the_team_and_the_member_s_role() -> None:
    done = visits.complete_visit(given(), PLAN, "family_doctor", report(), NOW)
    assert (done.under.contract_id, done.under.team_id, done.under.institution_id) == ("c1", "T1", "CHC-1")
    assert (done.member_role, done.fulfils, done.measurements) == ("family_doctor", ("hypertension_follow_up",), BP)
    assert given(done).visits == (done,)


@pytest.mark.parametrize(
    ("taken", "refusal"),
    [
        ((Measurement("systolic_bp", 900, "mmHg"), BP[1]), ImplausibleMeasurement),
        ((Measurement("systolic_bp", float("nan"), "mmHg"), BP[1]), ImplausibleMeasurement),
        ((Measurement("systolic_bp", 80, "mmHg"), Measurement("diastolic_bp", 90, "mmHg")), ImplausibleMeasurement),
        ((Measurement("fasting_glucose", 6.1, "mg/dL"),), WrongUnit),
        ((BP[0], BP[0], BP[1]), DuplicateMeasurement),
        ((Measurement("blood_colour", 1, "mmHg"),), ImplausibleMeasurement),
    ],
)
def test_implausible_measurements_are_refused(taken: tuple[Measurement, ...], refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        visits.complete_visit(given(), PLAN, "family_doctor", report(measurements=taken), NOW)


def test_a_refusal_says_what_is_implausible() -> None:
    with pytest.raises(ImplausibleMeasurement, match="systolic_bp 900 mmHg is outside the plausible range 50 to 300"):
        measurements.check((Measurement("systolic_bp", 900, "mmHg"),))


def test_a_follow_up_is_fulfilled_only_with_its_measurements() -> None:
    with pytest.raises(MeasurementMissing, match="diastolic_bp"):
        visits.complete_visit(given(), PLAN, "family_doctor", report(measurements=BP[:1]), NOW)
    assert visits.complete_visit(given(), PLAN, "family_doctor", report(fulfils=(), measurements=()), NOW).fulfils == ()


def test_a_visit_fulfils_only_services_of_the_plan() -> None:
    with pytest.raises(ItemNotPlanned):
        visits.complete_visit(given(), PLAN, "family_doctor", report(fulfils=("dental_check",)), NOW)
    with pytest.raises(ItemNotPlanned):
        visits.complete_visit(given(), None, "family_doctor", report(), NOW)


def test_a_visit_falls_under_the_team_s_contract_on_its_date() -> None:
    ended = given(*contracts.note_ended(given(), "c1", "moved_away", date(2026, 3, 31)))
    with pytest.raises(NotUnderContract):
        visits.complete_visit(given(), PLAN, "family_doctor", report(team_id="T2"), NOW)
    with pytest.raises(NotUnderContract):
        visits.complete_visit(given(), PLAN, "family_doctor", report(occurred_on=date(2026, 1, 5)), NOW)
    with pytest.raises(NotUnderContract):
        visits.complete_visit(ended, PLAN, "family_doctor", report(), NOW)


def test_a_visit_is_recorded_once_it_has_happened() -> None:
    with pytest.raises(InFuture):
        visits.complete_visit(given(), PLAN, "family_doctor", report(occurred_at=NOW + timedelta(hours=1)), NOW)


def test_a_family_sickbed_visit_needs_the_resident_in_a_family_sickbed() -> None:
    bed = sickbeds.admit(given(), sickbeds.Admission("s1", "T1", "stroke", date(2026, 4, 1)), TODAY)
    at_bed = report(place="family_sickbed", fulfils=("sickbed_visit",), measurements=())
    with pytest.raises(NoFamilySickbed):
        visits.complete_visit(given(), PLAN, "community_nurse", at_bed, NOW)
    assert visits.complete_visit(given(bed), PLAN, "community_nurse", at_bed, NOW).place == "family_sickbed"


def test_only_a_member_of_the_team_delivers_a_service() -> None:
    team = roster.RosterNoted("T1", "CHC-1", (roster.TeamMember("doc-1", "family_doctor"),))
    assert roster.role_of(team, "T1", "doc-1") == "family_doctor"
    assert roster.note(team, team) == [] and roster.note(None, team) == [team]
    with pytest.raises(NotATeamMember):
        roster.role_of(team, "T1", "stranger")
    with pytest.raises(NotATeamMember):
        roster.role_of(None, "T1", "doc-1")


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
