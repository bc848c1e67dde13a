"""Given/when/then on a resident's care: contracts, visits and their measurements. Pure rules, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from health_records.domain import care, contracts, measurements, roster, sickbeds, visits
from health_records.domain.care_events import (
    ContractedItem,
    ContractedPackage,
    ContractStarted,
    Measurement,
)
from health_records.domain.errors import (
    DuplicateMeasurement,
    ImplausibleMeasurement,
    InFuture,
    ItemNotPlanned,
    MeasurementMissing,
    NoFamilySickbed,
    NotATeamMember,
    NotUnderContract,
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
