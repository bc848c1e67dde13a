"""Given/when/then on signing's pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from signing.domain import enrolment, team
from signing.domain.catalogue import Catalogue, Package
from signing.domain.contract import term_end
from signing.domain.errors import (
    AlreadyContracted,
    DoctorFull,
    InvalidIdentityNumber,
    InvalidTerm,
    NotATeamDoctor,
    PackageNotOffered,
    TeamAlreadyRegistered,
    TeamFull,
    UnknownTeam,
)
from signing.domain.identity import check_identity_number, with_check_digit

REGISTERED = team.TeamRegistered(
    "T1",
    "Team 1",
    "CHC-1",
    "community_health_centre",
    "440106",
    (team.Member("doc-1", "family_doctor", resident_cap=2), team.Member("nurse-1", "community_nurse")),
    resident_cap=3,
    registered_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def given(*events: object) -> team.Team | None:
    state: team.Team | None = None
    for event in events:
        state = team.evolve(state, event)
    return state


def test_a_team_takes_places_until_its_cap() -> None:
    full = given(REGISTERED, team.PlaceTaken("c1", None), team.PlaceTaken("c2", None), team.PlaceTaken("c3", None))
    assert team.take_place(given(REGISTERED), "T1", "c1", None) == team.PlaceTaken("c1", None)
    with pytest.raises(TeamFull):
        team.take_place(full, "T1", "c4", None)


def test_a_released_place_can_be_taken_again() -> None:
    state = given(REGISTERED, *(team.PlaceTaken(f"c{i}", None) for i in range(3)), team.PlaceReleased("c0", None))
    assert team.take_place(state, "T1", "c9", None).contract_id == "c9"


def test_a_doctor_has_their_own_cap_within_the_team() -> None:
    state = given(REGISTERED, team.PlaceTaken("c1", "doc-1"), team.PlaceTaken("c2", "doc-1"))
    with pytest.raises(DoctorFull):
        team.take_place(state, "T1", "c3", "doc-1")
    assert team.take_place(state, "T1", "c3", None).doctor_id is None


def test_only_a_contracting_doctor_of_the_team_takes_residents() -> None:
    with pytest.raises(NotATeamDoctor):
        team.take_place(given(REGISTERED), "T1", "c1", "nurse-1")
    with pytest.raises(NotATeamDoctor):
        team.take_place(given(REGISTERED), "T1", "c1", "stranger")


def test_an_unknown_team_takes_nobody() -> None:
    with pytest.raises(UnknownTeam):
        team.take_place(None, "T9", "c1", None)


def test_a_team_registers_once() -> None:
    with pytest.raises(TeamAlreadyRegistered):
        team.register(given(REGISTERED), REGISTERED)


def test_a_resident_holds_one_active_contract() -> None:
    enrolled = enrolment.evolve(enrolment.Enrolment(), enrolment.ResidentEnrolled("c1"))
    with pytest.raises(AlreadyContracted):
        enrolment.enrol(enrolled, "c2")
    released = enrolment.evolve(enrolled, enrolment.ResidentReleased("c1"))
    assert enrolment.enrol(released, "c2") == enrolment.ResidentEnrolled("c2")


@pytest.mark.parametrize(
    ("starts", "years", "ends"),
    [
        (date(2026, 3, 1), 1, date(2027, 2, 28)),
        (date(2026, 1, 6), 3, date(2029, 1, 5)),
        (date(2028, 2, 29), 1, date(2029, 2, 28)),
    ],
)
def test_a_term_ends_the_day_before_its_anniversary(starts: date, years: int, ends: date) -> None:
    assert term_end(starts, years) == ends


@pytest.mark.parametrize("years", [0, 4])
def test_a_term_is_one_to_three_years(years: int) -> None:
    with pytest.raises(InvalidTerm):
        term_end(date(2026, 1, 1), years)


def test_identity_numbers_are_checked_to_the_check_digit() -> None:
    assert check_identity_number("11010519491231002x") == "11010519491231002X"
    assert check_identity_number(with_check_digit("44010619800101001"))[:17] == "44010619800101001"
    for bad in ("11010519491231002", "110105194912310021", "11010519491331002X", "abc"):
        with pytest.raises(InvalidIdentityNumber):
            check_identity_number(bad)


def test_the_most_local_package_in_force_is_offered() -> None:
    def package(prefix: str, fee: int, valid_to: date | None = None) -> Package:
        return Package("basic", "Basic", prefix, date(2026, 1, 1), valid_to, fee, (), ())

    catalogue = Catalogue((package("", 100), package("44", 120), package("440106", 150, date(2026, 12, 31))))

    assert catalogue.offer("basic", "440106001", date(2026, 6, 1)).annual_fee_fen == 150
    assert catalogue.offer("basic", "440106001", date(2027, 1, 1)).annual_fee_fen == 120
    assert catalogue.offer("basic", "110101", date(2026, 6, 1)).annual_fee_fen == 100
    with pytest.raises(PackageNotOffered):
        catalogue.offer("basic", "440106", date(2025, 12, 31))
    with pytest.raises(PackageNotOffered):
        catalogue.offer("dental", "440106", date(2026, 6, 1))
