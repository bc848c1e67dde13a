"""Given/when/then on ledgers and the settlement book: closing, late adjustments, withheld release."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest

from billing.application.streams import LEDGERS
from billing.domain import book, ledger, release
from billing.domain.errors import PeriodNotOver
from billing.domain.fee_rules import ReleaseRule
from billing.domain.periods import Calendar, within

NOW = datetime(2026, 1, 6, 2, tzinfo=UTC)
MONTHLY = Calendar(1)

REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")


def charge(contract_id: str, period: str, amount: int, team: str = "T1") -> ledger.ChargeBooked:
    return ledger.ChargeBooked(
        REF,
        f"{contract_id}/1",
        contract_id,
        "r_abcdefghijklmnopqrstuvwxyz",
        team,
        1,
        period,
        period,
        amount,
        "annual_fee",
        NOW,
    )


def a_ledger(*events: object) -> ledger.Ledger:
    state: ledger.Ledger | None = None
    for event in (ledger.LedgerOpened(REF, None), *events):
        state = ledger.evolve(state, event)
    assert state is not None
    return state


def settle(state: ledger.Ledger, through: str) -> list[object]:
    return ledger.settle(state, through, lambda _: Fraction(30, 100), NOW)


def apply(state: ledger.Ledger, events: Iterable[object]) -> ledger.Ledger:
    for event in events:
        state = ledger.evolve(state, event)  # type: ignore[assignment]
    return state


def test_closing_settles_due_withheld_and_payable_once() -> None:
    state = a_ledger(charge("c1", "2026-01", 10000), charge("c2", "2026-01", 5000), charge("c3", "2026-02", 7000))

    events = settle(state, "2026-01")
    again = settle(apply(state, events), "2026-01")

    settled = events[0]
    assert isinstance(settled, ledger.PeriodSettled)
    assert (settled.period, settled.contracts_charged, settled.due_fen) == ("2026-01", 2, 15000)
    assert (settled.withheld_fen, settled.adjustments_fen, settled.payable_fen) == (4500, 0, 10500)
    assert events[1:] == [ledger.LedgerClosed("2026-01")]
    assert again == []


def test_a_late_charge_goes_into_the_next_open_period_as_an_adjustment() -> None:
    closed = apply(
        a_ledger(charge("c1", "2026-01", 10000)), settle(a_ledger(charge("c1", "2026-01", 10000)), "2026-01")
    )

    late = ledger.book(closed, charge("c2", "2026-01", -2000), MONTHLY, None)
    settled = settle(apply(closed, [late]), "2026-02")[0]

    assert (late.period, late.origin_period, late.reason) == ("2026-02", "2026-01", "late_adjustment")
    assert isinstance(settled, ledger.PeriodSettled)
    assert (settled.due_fen, settled.withheld_fen, settled.adjustments_fen, settled.payable_fen) == (0, 0, -2000, -2000)


def result(score: str, kind: str = "institution", subject: str = "CHC-1", restates: str | None = None) -> Any:
    rid = f"ar-{score}"
    return release.AppraisalResult(rid, restates, "2026", kind, subject, "CHC-1", Fraction(score))


def test_the_withheld_share_is_released_in_proportion_to_the_score_and_restated_on_the_same_pot() -> None:
    state = a_ledger(charge("c1", "2026-01", 10000, "T1"), charge("c2", "2026-02", 20000, "T2"))
    state = apply(state, settle(state, "2026-02"))
    rule = ReleaseRule(none_below=Fraction(60))

    first = release.release(state, result("86.00"), rule, NOW)
    assert first is not None
    restated = release.release(apply(state, [first]), result("50", restates=first.appraisal_result_id), rule, NOW)

    assert (first.withheld_fen, first.released_fen, first.forfeited_fen) == (9000, 7740, 1260)
    assert restated is not None and restated.release_id == first.release_id
    assert (restated.withheld_fen, restated.released_fen, restated.forfeited_fen) == (9000, 0, 9000)


def test_a_team_result_releases_only_that_teams_withheld_share_when_the_rule_says_so() -> None:
    state = a_ledger(charge("c1", "2026-01", 10000, "T1"), charge("c2", "2026-01", 20000, "T2"))
    state = apply(state, settle(state, "2026-01"))
    by_team = ReleaseRule(subject_kind="team")

    t2 = release.release(state, result("100", "team", "T2"), by_team, NOW)

    assert t2 is not None and (t2.withheld_fen, t2.released_fen) == (6000, 6000)
    assert release.release(state, result("100"), by_team, NOW) is None  # institution results do not apply


def test_a_period_closes_only_after_it_is_over_and_only_once() -> None:
    closed = book.evolve(book.Book(), book.PeriodsClosed("2026-02", NOW))

    with pytest.raises(PeriodNotOver):
        book.close(book.Book(), "2026-03", date(2026, 3, 31), MONTHLY, NOW)
    assert book.close(book.Book(), "2026-03", date(2026, 4, 1), MONTHLY, NOW) == book.PeriodsClosed("2026-03", NOW)
    assert book.close(closed, "2026-01", date(2026, 4, 1), MONTHLY, NOW) is None


def test_a_closes_ledgers_settled_are_noted_once_and_not_after_the_book_decided_again() -> None:
    closed = book.evolve(book.Book(), book.PeriodsClosed("2026-01", NOW))
    assert not closed.all_settled  # a close's ledgers are behind until its run settles them

    noted = book.settled(closed, closed.decisions, NOW)
    assert noted == book.LedgersSettled(1, "2026-01", NOW)
    settled = book.evolve(closed, noted)
    assert settled.all_settled and book.settled(settled, 1, NOW) is None  # once
    reopened = book.evolve(settled, book.reopening("2026-01", "closed_too_early", MONTHLY, NOW))
    assert not reopened.all_settled
    assert book.settled(reopened, 1, NOW) is None  # its ledgers' commands may have come before the reopening
    again = book.evolve(reopened, book.PeriodsClosed("2026-01", NOW))
    assert book.settled(again, 2, NOW) is None and book.settled(again, 3, NOW) == book.LedgersSettled(3, "2026-01", NOW)


def test_periods_follow_the_configured_length() -> None:
    quarterly = Calendar(3)
    assert quarterly.period_of(date(2026, 5, 20)) == "2026-04"
    assert quarterly.next("2026-10") == "2027-01"
    assert quarterly.last_day("2026-04") == date(2026, 6, 30)
    assert within("2026-H1", "2026-04") and not within("2026-H1", "2026-07") and within("2026", "2026-12")


def contracts_charged(state: ledger.Ledger, period: str) -> int:
    [settled] = [e for e in settle(state, period) if isinstance(e, ledger.PeriodSettled) and e.period == period]
    return settled.contracts_charged


def test_a_period_counts_each_contract_once_however_often_it_is_charged() -> None:
    charges = [charge(f"c{i % 7}", "2026-01", 100 - i) for i in range(30)]
    late = replace(charge("c9", "2026-01", -5), period="2026-02", reason="late_adjustment")

    state = a_ledger(*charges, charge("c0", "2026-02", 1), late)

    assert contracts_charged(state, "2026-01") == 7
    assert contracts_charged(state, "2026-02") == 2  # c0, and c9's late adjustment


def test_a_state_decided_on_again_counts_its_own_contracts_not_those_of_a_later_state() -> None:
    start = a_ledger(charge("c1", "2026-01", 100))
    first = apply(start, [charge("c2", "2026-01", 100)])  # a decision later undone (a conflict)

    again = apply(start, [charge("c3", "2026-01", 100)])  # decided again on the state it began from
    then_c2 = apply(start, [charge("c2", "2026-01", 100)])
    after_first = apply(first, [charge("c1", "2026-01", 100), charge("c4", "2026-01", 100)])

    assert [contracts_charged(s, "2026-01") for s in (start, first, again, then_c2, after_first)] == [1, 2, 2, 2, 3]
    assert set(again.open["2026-01"].contracts) == {"c1", "c3"}
    assert start.open["2026-01"].contracts == a_ledger(charge("c1", "2026-01", 5)).open["2026-01"].contracts


def test_a_periods_contracts_are_read_while_a_later_state_is_folded() -> None:
    start = a_ledger(charge("c1", "2026-01", 100), charge("c2", "2026-01", 100))
    later = start

    for contract in start.open["2026-01"].contracts:
        later = apply(later, [charge(f"{contract}-next", "2026-01", 100)])

    assert set(later.open["2026-01"].contracts) == {"c1", "c2", "c1-next", "c2-next"}


def test_a_ledger_kept_in_a_snapshot_reads_back_the_same() -> None:
    """Charges, a settlement, a late charge, a release and a reversal: what a ledger holds."""
    state = a_ledger(charge("c1", "2026-01", 10000, "T1"), charge("c2", "2026-01", 20000, "T2"))
    state = apply(state, settle(state, "2026-01"))
    state = apply(
        state, [ledger.book(state, charge("c3", "2026-01", -2000), MONTHLY, None), charge("c4", "2026-02", 500)]
    )
    released = release.release(state, result("86.00"), ReleaseRule(none_below=Fraction(60)), NOW)
    assert released is not None
    state = apply(state, [released])
    kept = LEDGERS.snapshots
    assert kept is not None

    assert kept.load(kept.dump(state)) == state
    assert kept.load(kept.dump(None)) is None
