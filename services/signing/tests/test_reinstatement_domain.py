"""Given/when/then on undoing a wrong expiry: only an expiry, only while the term runs,
only if nothing took the contract's place."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.signing.tests.signed import SIGNED
from signing.domain import contract, enrolment
from signing.domain.contract import (
    ContractContinued,
    ContractExpired,
    ContractReinstated,
    ContractTerminated,
)
from signing.domain.errors import (
    ContractContinuedSince,
    ContractNotExpired,
    ExpiryStands,
    InvalidReinstatementReason,
    ResidentContractedSince,
)
from signing.domain.reinstatement import reinstate

AT = datetime(2026, 6, 2, 2, tzinfo=UTC)
TODAY = date(2026, 6, 2)
WRONGLY_EXPIRED = ContractExpired("c1", "r_1", "T1", "CHC-1", "440106", SIGNED.ends_on, AT)
FREE = enrolment.Enrolment()


def given(*events: object) -> contract.Contract:
    state: contract.Contract | None = None
    for event in events:
        state = contract.evolve(state, event)
    assert state is not None
    return state


def test_a_contract_expired_before_its_end_is_reinstated_to_the_same_last_day() -> None:
    expired = given(SIGNED, WRONGLY_EXPIRED)

    event = reinstate(expired, FREE, "wrong_run_date", TODAY, AT)

    assert event == ContractReinstated("c1", "r_1", "T1", "CHC-1", "440106", "wrong_run_date", date(2027, 2, 28), AT)
    after = contract.evolve(expired, event)
    assert (after.status, after.last_day) == ("active", SIGNED.ends_on)
    assert after == given(SIGNED)  # as if the expiry had never happened


def test_only_an_expiry_is_undone() -> None:
    terminated = ContractTerminated("c1", "r_1", "T1", "CHC-1", "440106", "death", TODAY, None, AT)

    with pytest.raises(ContractNotExpired):
        reinstate(given(SIGNED), FREE, "clock_error", TODAY, AT)
    with pytest.raises(ContractNotExpired):
        reinstate(given(SIGNED, terminated), FREE, "clock_error", TODAY, AT)


def test_an_expiry_stands_once_the_term_is_over() -> None:
    expired = given(SIGNED, WRONGLY_EXPIRED)

    assert reinstate(expired, FREE, "operator_error", SIGNED.ends_on, AT).last_day == SIGNED.ends_on
    with pytest.raises(ExpiryStands):
        reinstate(expired, FREE, "operator_error", date(2027, 3, 1), AT)


def test_nothing_may_have_taken_the_contracts_place() -> None:
    renewed_since = given(SIGNED, WRONGLY_EXPIRED, ContractContinued("c1", "c2", AT))
    contracted_since = enrolment.Enrolment("c9")

    with pytest.raises(ContractContinuedSince):
        reinstate(renewed_since, FREE, "wrong_run_date", TODAY, AT)
    with pytest.raises(ResidentContractedSince):
        reinstate(given(SIGNED, WRONGLY_EXPIRED), contracted_since, "wrong_run_date", TODAY, AT)


def test_the_reason_is_a_code_from_the_list() -> None:
    with pytest.raises(InvalidReinstatementReason):
        reinstate(given(SIGNED, WRONGLY_EXPIRED), FREE, "because", TODAY, AT)
