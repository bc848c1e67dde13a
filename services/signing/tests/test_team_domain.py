"""Given/when/then on a team's rules: composition, caps, places, members joining and leaving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from signing.domain import team, team_changes
from signing.domain.errors import (
    CapBelowContracted,
    DoctorFull,
    DuplicateMember,
    InvalidTeamComposition,
    LastContractingDoctor,
    MemberAlreadyInTeam,
    MemberHasResidents,
    NotATeamDoctor,
    NotATeamMember,
    SingleDoctorSubject,
    TeamAlreadyRegistered,
    TeamFull,
    UnknownTeam,
)
from signing.domain.team import CapChanged, Member, MemberJoined, MemberLeft, PlaceReleased, PlaceTaken

AT = datetime(2026, 3, 1, 2, tzinfo=UTC)
DOCTOR, NURSE = Member("doc-1", "family_doctor", resident_cap=2), Member("nurse-1", "community_nurse")
REGISTERED = team.TeamRegistered("T1", "Team 1", "CHC-1", "community_health_centre", "440106", (DOCTOR, NURSE), 3, AT)
SOLO = team.TeamRegistered("D1", "Dr Wang", "FDC-1", "family_doctor_clinic", "440106", (DOCTOR,), 2, AT, "doctor")


def given(*events: object) -> team.Team:
    state: team.Team | None = None
    for event in events:
        state = team.evolve(state, event)
    assert state is not None
    return state


def taken(n: int, doctor: str | None = None) -> list[PlaceTaken]:
    return [PlaceTaken(f"c{i}", doctor) for i in range(n)]


def test_a_team_takes_places_until_its_cap() -> None:
    assert team.take_place(given(REGISTERED), "T1", "c1", None) == PlaceTaken("c1", None)
    with pytest.raises(TeamFull):
        team.take_place(given(REGISTERED, *taken(3)), "T1", "c4", None)


def test_a_released_place_can_be_taken_again() -> None:
    state = given(REGISTERED, *taken(3), PlaceReleased("c0", None))
    assert team.take_place(state, "T1", "c9", None).contract_id == "c9"


def test_a_doctor_has_their_own_cap_within_the_team() -> None:
    state = given(REGISTERED, *taken(2, "doc-1"))
    with pytest.raises(DoctorFull):
        team.take_place(state, "T1", "c3", "doc-1")
    assert team.take_place(state, "T1", "c3", None).doctor_id is None


def test_only_a_contracting_doctor_of_the_team_takes_residents() -> None:
    for member in ("nurse-1", "stranger"):
        with pytest.raises(NotATeamDoctor):
            team.take_place(given(REGISTERED), "T1", "c1", member)


def test_an_unknown_team_takes_nobody() -> None:
    with pytest.raises(UnknownTeam):
        team.take_place(None, "T9", "c1", None)


def test_a_team_registers_once() -> None:
    assert team_changes.register(None, REGISTERED) == REGISTERED
    with pytest.raises(TeamAlreadyRegistered):
        team_changes.register(given(REGISTERED), REGISTERED)


def test_a_single_doctor_may_be_the_contracting_subject() -> None:
    assert team_changes.register(None, SOLO) == SOLO
    assert team.take_place(given(SOLO), "D1", "c1", "doc-1") == PlaceTaken("c1", "doc-1")


@pytest.mark.parametrize(
    ("subject", "members", "refusal"),
    [
        ("team", (NURSE,), InvalidTeamComposition),
        ("team", (DOCTOR, DOCTOR), DuplicateMember),
        ("doctor", (DOCTOR, NURSE), InvalidTeamComposition),
        ("clinic", (DOCTOR,), InvalidTeamComposition),
    ],
)
def test_a_team_is_formed_around_a_contracting_doctor(
    subject: str, members: tuple[Member, ...], refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        team_changes.register(None, team.TeamRegistered("T", "T", "I", "k", "440106", members, 5, AT, subject))


def test_a_doctor_who_joins_takes_residents_up_to_their_cap() -> None:
    joined = team_changes.join(given(REGISTERED), Member("doc-2", "general_practitioner", 1), AT)
    state = given(REGISTERED, joined, PlaceTaken("c1", "doc-2"))

    assert joined == MemberJoined("T1", Member("doc-2", "general_practitioner", 1), AT)
    with pytest.raises(DoctorFull):
        team.take_place(state, "T1", "c2", "doc-2")


def test_a_member_joins_once_and_a_single_doctor_takes_no_members() -> None:
    with pytest.raises(MemberAlreadyInTeam):
        team_changes.join(given(REGISTERED), NURSE, AT)
    with pytest.raises(SingleDoctorSubject):
        team_changes.join(given(SOLO), NURSE, AT)


def test_a_member_leaves_unless_residents_are_contracted_with_them() -> None:
    with_doctor_2 = given(REGISTERED, MemberJoined("T1", Member("doc-2", "family_doctor"), AT))

    assert team_changes.leave(given(REGISTERED), "nurse-1", AT) == MemberLeft("T1", "nurse-1", AT)
    assert given(REGISTERED, MemberLeft("T1", "nurse-1", AT)).member("nurse-1") is None
    with pytest.raises(MemberHasResidents):
        team_changes.leave(
            given(REGISTERED, MemberJoined("T1", Member("doc-2", "family_doctor"), AT), *taken(1, "doc-1")), "doc-1", AT
        )
    assert team_changes.leave(with_doctor_2, "doc-1", AT).member_id == "doc-1"


def test_the_last_contracting_doctor_stays_and_strangers_cannot_leave() -> None:
    with pytest.raises(LastContractingDoctor):
        team_changes.leave(given(REGISTERED), "doc-1", AT)
    with pytest.raises(NotATeamMember):
        team_changes.leave(given(REGISTERED), "stranger", AT)


def test_caps_change_but_never_below_the_residents_held() -> None:
    state = given(REGISTERED, *taken(2, "doc-1"))

    raised = team_changes.change_cap(state, None, 5, AT)
    doctor_raised = team_changes.change_cap(state, "doc-1", 4, AT)
    after = given(REGISTERED, *taken(2, "doc-1"), raised, doctor_raised)

    assert raised == CapChanged("T1", None, 5, AT)
    assert (after.resident_cap, after.doctor("doc-1").resident_cap) == (5, 4)
    assert team.take_place(after, "T1", "c3", "doc-1").doctor_id == "doc-1"
    with pytest.raises(CapBelowContracted):
        team_changes.change_cap(state, None, 1, AT)
    with pytest.raises(CapBelowContracted):
        team_changes.change_cap(state, "doc-1", 1, AT)
    with pytest.raises(NotATeamDoctor):
        team_changes.change_cap(state, "nurse-1", 10, AT)


def test_a_lowered_cap_refuses_the_next_signing() -> None:
    state = given(REGISTERED, *taken(2), CapChanged("T1", None, 2, AT))
    with pytest.raises(TeamFull):
        team.take_place(state, "T1", "c3", None)
