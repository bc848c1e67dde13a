"""Given/when/then on the lifecycle: enrolment, renewal, early ends (a switch is one), expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.signing.tests.signed import SIGNED
from signing.domain import contract, enrolment, lifecycle
from signing.domain.contract import (
    ContractContinued,
    ContractExpired,
    ContractSigned,
    ContractTerminated,
)
from signing.domain.errors import (
    AlreadyContracted,
    ContractNotActive,
    ContractNotEnded,
    ContractNotRenewable,
    ContractWasRenewed,
    InvalidLastDay,
    RenewalNotOpen,
)
from signing.domain.lifecycle import Ending

AT = datetime(2026, 6, 1, 2, tzinfo=UTC)
RENEWAL = contract.ContractRenewed(
    **vars(replace(SIGNED, contract_id="c2", starts_on=date(2027, 3, 1), ends_on=date(2028, 2, 29))),
    renews_contract_id="c1",
)


def given(*events: object) -> contract.Contract:
    state: contract.Contract | None = None
    for event in events:
        state = contract.evolve(state, event)
    assert state is not None
    return state


def terminated(reason: str, last_day: date, of: ContractSigned = SIGNED, by: str | None = None) -> ContractTerminated:
    return ContractTerminated(of.contract_id, "r_1", "T1", "CHC-1", "440106", reason, last_day, by, AT)


def test_a_resident_holds_one_active_contract() -> None:
    enrolled = enrolment.evolve(enrolment.Enrolment(), enrolment.ResidentEnrolled("c1"))
    with pytest.raises(AlreadyContracted):
        enrolment.enrol(enrolled, "c2")
    released = enrolment.evolve(enrolled, enrolment.ResidentReleased("c1"))
    assert enrolment.enrol(released, "c2") == enrolment.ResidentEnrolled("c2")


def test_an_ended_contract_frees_only_its_own_resident() -> None:
    enrolled = enrolment.Enrolment("c2")
    assert enrolment.release(enrolled, "c1") == []
    assert enrolment.release(enrolled, "c2") == [enrolment.ResidentReleased("c2")]
    assert enrolment.transfer(enrolled, "c2", "c3") == [
        enrolment.ResidentReleased("c2"),
        enrolment.ResidentEnrolled("c3"),
    ]
    with pytest.raises(AlreadyContracted):
        enrolment.transfer(enrolled, "c1", "c3")


@pytest.mark.parametrize(
    ("today", "starts"),
    [
        (date(2026, 11, 30), date(2027, 3, 1)),  # 90 days before the last day: it opens
        (date(2027, 2, 28), date(2027, 3, 1)),
        (date(2027, 3, 1), date(2027, 3, 1)),  # the day after: still without a gap
        (date(2027, 4, 10), date(2027, 4, 10)),  # late: from the day it is agreed
        (date(2027, 5, 29), date(2027, 5, 29)),  # the last day of grace
    ],
)
def test_a_renewal_starts_the_day_after_the_end_or_when_agreed_late(today: date, starts: date) -> None:
    assert lifecycle.renewal_start(given(SIGNED), today) == starts
    expired = given(SIGNED, ContractExpired("c1", "r_1", "T1", "CHC-1", "440106", date(2027, 2, 28), AT))
    assert lifecycle.renewal_start(expired, max(today, date(2027, 3, 1))) >= date(2027, 3, 1)


@pytest.mark.parametrize("today", [date(2026, 11, 29), date(2027, 5, 30)])
def test_a_renewal_is_open_only_around_the_end(today: date) -> None:
    with pytest.raises(RenewalNotOpen):
        lifecycle.renewal_start(given(SIGNED), today)


def test_a_contract_is_renewed_once_and_a_terminated_one_never() -> None:
    renewed = given(SIGNED, ContractContinued("c1", "c2", AT))
    assert (renewed.status, renewed.successor_id) == ("renewed", "c2")
    for state in (renewed, given(SIGNED, terminated("death", date(2026, 6, 1)))):
        with pytest.raises(ContractNotRenewable):
            lifecycle.renewal_start(state, date(2027, 2, 1))


def test_a_contract_ends_early_on_the_day_given() -> None:
    ending = Ending("moved_away", date(2026, 6, 30), None, AT)

    ends = lifecycle.end_early(given(SIGNED), None, ending)
    state = given(SIGNED, *ends)

    assert ends == [terminated("moved_away", date(2026, 6, 30))]
    assert (state.status, state.last_day, state.termination_reason) == ("terminated", date(2026, 6, 30), "moved_away")


def test_a_contract_not_started_yet_ends_having_covered_nothing() -> None:
    future = replace(SIGNED, starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31))
    ends = lifecycle.end_early(given(future), None, Ending("resident_request", date(2026, 6, 1), None, AT))
    assert ends[0].last_day == date(2026, 8, 31)


def test_an_early_end_falls_within_the_term() -> None:
    with pytest.raises(InvalidLastDay):
        lifecycle.end_early(given(SIGNED), None, Ending("death", date(2027, 3, 1), None, AT))


def test_only_an_active_contract_ends_early() -> None:
    with pytest.raises(ContractWasRenewed):
        lifecycle.end_early(
            given(SIGNED, ContractContinued("c1", "c2", AT)), None, Ending("death", AT.date(), None, AT)
        )
    with pytest.raises(ContractNotActive):
        lifecycle.end_early(
            given(SIGNED, terminated("death", date(2026, 5, 1))), None, Ending("death", AT.date(), None, AT)
        )


def test_ending_a_renewal_before_it_starts_ends_the_contract_it_continues_too() -> None:
    old = given(SIGNED, ContractContinued("c1", "c2", AT))
    switch = Ending("switched_team", date(2026, 12, 31), "c3", AT)

    ends = lifecycle.end_early(given(RENEWAL), old, switch)

    assert ends == [
        terminated("switched_team", date(2026, 12, 31), SIGNED, "c3"),
        terminated("switched_team", date(2027, 2, 28), RENEWAL, "c3"),  # it covered nothing
    ]


def test_once_the_renewal_runs_the_old_contract_is_left_alone() -> None:
    old = given(SIGNED, ContractContinued("c1", "c2", AT))
    ends = lifecycle.end_early(given(RENEWAL), old, Ending("death", date(2027, 5, 1), None, AT))
    assert [e.contract_id for e in ends] == ["c2"]


def test_a_contract_active_after_its_last_day_expires() -> None:
    expired = lifecycle.expire(given(SIGNED), date(2027, 3, 1), AT)

    assert expired == ContractExpired("c1", "r_1", "T1", "CHC-1", "440106", date(2027, 2, 28), AT)
    assert given(SIGNED, expired).status == "expired"
    with pytest.raises(ContractNotEnded):
        lifecycle.expire(given(SIGNED), date(2027, 2, 28), AT)
    with pytest.raises(ContractNotActive):
        lifecycle.expire(given(SIGNED, ContractContinued("c1", "c2", AT)), date(2027, 3, 1), AT)
