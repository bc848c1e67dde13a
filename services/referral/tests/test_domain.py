"""The referral's rules, given/when/then on the pure domain: every step and every illegal one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import reduce

import pytest

from referral.domain import contracts, lifecycle
from referral.domain.contracts import ContractEnded, ContractNoted, ContractReinstated, Coverage, ResidentContracts
from referral.domain.errors import (
    AnswerOverdue,
    AppointmentBeforeAcceptance,
    GreenChannelUnavailable,
    IllegalTransition,
    NotContracted,
    NotYetDue,
    StepBeforePreviousStep,
)
from referral.domain.lifecycle import Appointment, Draft
from referral.domain.referral import Patient, Referral, ReferralExpired, evolve

T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WEEK = 7 * DAY
COVERAGE = Coverage("c-1", "T1", "CHC-1", "440106", date(2026, 1, 6), date(2027, 1, 5), ("H2", "H3"))


def draft(hospital_id: str = "H3", priority: str = "routine", team_id: str = "T1") -> Draft:
    return Draft(
        "ref-1", "r_x", Patient("44010619500101001X", "Li Hua"), team_id, "doc-1", hospital_id, "cardiology",
        priority, "reason", "summary",  # type: ignore[arg-type]
    )  # fmt: skip


def given_contracts(*events: object) -> ResidentContracts:
    return reduce(contracts.evolve, events, ResidentContracts())


def given(*steps: Callable[[Referral], object]) -> Referral:
    """A referral issued at T0 (answer within a week), then these steps in turn."""
    referral = evolve(None, lifecycle.issue(given_contracts(ContractNoted(COVERAGE)), draft(), T0, T0.date(), WEEK))
    for step in steps:
        referral = evolve(referral, step(referral))
    return referral


def accepted(r: Referral) -> object:
    return lifecycle.accept(
        r, Appointment("cardiology", "Dr Wang", T0 + timedelta(days=2)), "h", T0 + timedelta(hours=3)
    )


def completed(r: Referral) -> object:
    return lifecycle.complete(r, "discharge", "BP 128/80", "h", T0 + timedelta(days=5))


def down_referred(r: Referral) -> object:
    return lifecycle.down_refer(r, "follow_up", "weekly BP", "h", T0 + timedelta(days=5, hours=1))


def declined(r: Referral) -> object:
    return lifecycle.decline(r, "full", "h", T0 + timedelta(hours=1))


def cancelled(r: Referral) -> object:
    return lifecycle.cancel(r, "resolved", "doc-1", T0 + timedelta(hours=1))


def expired(r: Referral) -> object:
    return lifecycle.expire(r, T0 + WEEK)


def test_a_contracted_resident_is_referred_with_the_contract_s_institution_and_a_deadline() -> None:
    issued = lifecycle.issue(given_contracts(ContractNoted(COVERAGE)), draft(), T0, T0.date(), WEEK)

    assert (issued.routing.institution_id, issued.routing.area_code, issued.routing.issued_at) == (
        "CHC-1",
        "440106",
        T0,
    )
    assert issued.expires_at == T0 + WEEK
    assert issued.combined_signing is True  # H3 is the resident's tertiary hospital


def test_only_a_resident_contracted_with_the_doctor_s_team_on_that_day_is_referred() -> None:
    with pytest.raises(NotContracted):
        lifecycle.issue(given_contracts(), draft(), T0, T0.date(), WEEK)
    with pytest.raises(NotContracted):
        lifecycle.issue(given_contracts(ContractNoted(COVERAGE)), draft(team_id="T2"), T0, T0.date(), WEEK)
    with pytest.raises(NotContracted):
        lifecycle.issue(given_contracts(ContractNoted(COVERAGE)), draft(), T0, date(2027, 1, 6), WEEK)


def test_an_ended_contract_no_longer_allows_referrals_even_when_its_end_arrived_first() -> None:
    ended_first = given_contracts(ContractEnded("c-1", date(2026, 3, 31)), ContractNoted(COVERAGE))

    with pytest.raises(NotContracted):
        lifecycle.issue(ended_first, draft(), T0, date(2026, 4, 1), WEEK)
    assert lifecycle.issue(ended_first, draft(), T0, date(2026, 3, 31), WEEK).routing.team_id == "T1"


def test_contract_facts_are_noted_once() -> None:
    known = given_contracts(ContractNoted(COVERAGE), ContractEnded("c-1", date(2026, 3, 31)))

    assert contracts.note(known, COVERAGE) == []
    assert contracts.end(known, "c-1", date(2026, 3, 31)) == []
    assert contracts.end(known, "c-1", date(2026, 3, 1)) == [ContractEnded("c-1", date(2026, 3, 1))]


def test_a_reinstated_contract_is_known_as_if_it_had_never_expired() -> None:
    wrongly_expired = given_contracts(ContractNoted(COVERAGE), ContractEnded("c-1", COVERAGE.ends_on))

    undone = contracts.reinstate(wrongly_expired, "c-1")

    assert undone == [ContractReinstated("c-1")]
    assert given_contracts(ContractNoted(COVERAGE), ContractEnded("c-1", COVERAGE.ends_on), *undone) == given_contracts(
        ContractNoted(COVERAGE)
    )
    assert contracts.reinstate(given_contracts(ContractNoted(COVERAGE)), "c-1") == []  # told twice: once
    terminated_later = given_contracts(ContractNoted(COVERAGE), ContractEnded("c-1", COVERAGE.ends_on), *undone)
    assert contracts.end(terminated_later, "c-1", COVERAGE.ends_on) == [ContractEnded("c-1", COVERAGE.ends_on)]


def test_the_green_channel_is_open_at_the_resident_s_combined_signing_hospitals_only() -> None:
    known = given_contracts(ContractNoted(COVERAGE))

    assert lifecycle.issue(known, draft("H2", "green_channel"), T0, T0.date(), WEEK).combined_signing
    assert not lifecycle.issue(known, draft("H9", "urgent"), T0, T0.date(), WEEK).combined_signing
    with pytest.raises(GreenChannelUnavailable):
        lifecycle.issue(known, draft("H9", "green_channel"), T0, T0.date(), WEEK)


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ([accepted], "accepted"),
        ([declined], "declined"),
        ([cancelled], "cancelled"),
        ([expired], "expired"),
        ([accepted, completed], "completed"),
        ([accepted, completed, down_referred], "down_referred"),
    ],
)
def test_each_step_moves_the_referral_on(steps: list[Callable[[Referral], object]], status: str) -> None:
    assert given(*steps).status == status


def test_the_family_doctor_acknowledges_the_down_referral() -> None:
    referral = given(accepted, completed, down_referred)

    acknowledged = evolve(referral, lifecycle.acknowledge(referral, "doc-1", T0 + timedelta(days=6)))

    assert acknowledged.status == "down_referral_acknowledged"
    assert acknowledged.acknowledged is not None and acknowledged.acknowledged.acknowledged_by == "doc-1"


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([cancelled], accepted),  # accepting a cancelled referral
        ([declined], accepted),
        ([expired], accepted),
        ([accepted], accepted),
        ([], completed),  # completing one never accepted
        ([declined], completed),
        ([accepted], cancelled),  # cancelling after acceptance
        ([accepted], declined),
        ([accepted], expired),
        ([cancelled], cancelled),
        ([accepted], down_referred),  # down-referring before completion
        ([accepted, completed], completed),
        ([accepted, completed], cancelled),
    ],
)
def test_an_illegal_step_is_refused(
    steps: list[Callable[[Referral], object]], illegal: Callable[[Referral], object]
) -> None:
    with pytest.raises(IllegalTransition):
        illegal(given(*steps))


def test_only_a_down_referral_is_acknowledged() -> None:
    for steps in ([], [accepted], [accepted, completed]):
        with pytest.raises(IllegalTransition):
            lifecycle.acknowledge(given(*steps), "doc-1", T0 + timedelta(days=6))


EARLIER = timedelta(hours=3)


@pytest.mark.parametrize(
    ("steps", "step_before", "previous_at"),
    [
        ([], lambda r, at: lifecycle.accept(r, Appointment("cardiology", "Dr Wang", T0), "h", at), T0),
        ([], lambda r, at: lifecycle.decline(r, "full", "h", at), T0),
        ([], lambda r, at: lifecycle.cancel(r, "resolved", "doc-1", at), T0),
        ([accepted], lambda r, at: lifecycle.complete(r, "discharge", "x", "h", at), T0 + timedelta(hours=3)),
        ([accepted, completed], lambda r, at: lifecycle.down_refer(r, "follow_up", "x", "h", at), T0 + 5 * DAY),
        (
            [accepted, completed, down_referred],
            lambda r, at: lifecycle.acknowledge(r, "doc-1", at),
            T0 + timedelta(days=5, hours=1),
        ),
    ],
)
def test_no_step_is_stamped_earlier_than_the_step_before_it(
    steps: list[Callable[[Referral], object]],
    step_before: Callable[[Referral, datetime], object],
    previous_at: datetime,
) -> None:
    referral = given(*steps)

    with pytest.raises(StepBeforePreviousStep) as refused:
        step_before(referral, previous_at - EARLIER)

    assert previous_at.isoformat() in str(refused.value) and (previous_at - EARLIER).isoformat() in str(refused.value)
    assert step_before(referral, previous_at) is not None  # at the same moment: in order


def test_an_acceptance_stamped_before_the_referral_was_issued_is_refused_not_counted_negative() -> None:
    appointment = Appointment("cardiology", "Dr Wang", T0 + timedelta(days=1))

    with pytest.raises(StepBeforePreviousStep, match=r"cannot be accepted at .*: it was issued later"):
        lifecycle.accept(given(), appointment, "h", T0 - timedelta(minutes=180))


def test_a_referral_past_its_deadline_is_not_accepted_even_before_the_expiry_job_ran() -> None:
    late = Appointment("cardiology", "Dr Wang", T0 + timedelta(days=9))
    with pytest.raises(AnswerOverdue):
        lifecycle.accept(given(), late, "h", T0 + WEEK)


def test_the_appointment_is_not_before_its_acceptance() -> None:
    with pytest.raises(AppointmentBeforeAcceptance):
        lifecycle.accept(given(), Appointment("cardiology", "Dr Wang", T0), "h", T0 + timedelta(hours=1))


def test_a_referral_expires_at_its_deadline_whenever_the_job_notices() -> None:
    with pytest.raises(NotYetDue):
        lifecycle.expire(given(), T0 + WEEK - timedelta(seconds=1))

    assert lifecycle.expire(given(), T0 + WEEK * 3) == ReferralExpired(given().routing, T0 + WEEK)
