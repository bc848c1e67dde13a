"""Given/when/then on correcting a wrongly closed period: reversals that negate what was settled,
the charges open again, a new close under a new id, and money already released refused."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from billing.domain import book, ledger, release, reopening
from billing.domain.errors import InvalidReopeningReason, PeriodNotClosed, WithheldAlreadyReleased
from billing.domain.fee_rules import ReleaseRule
from billing.domain.periods import Calendar

NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)
LATER = datetime(2026, 4, 3, 2, tzinfo=UTC)
MONTHLY = Calendar(1)
REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")
FIGURES = ("contracts_charged", "due_fen", "withheld_fen", "adjustments_fen", "payable_fen")


def charge(contract_id: str, period: str, amount: int, team: str = "T1") -> ledger.ChargeBooked:
    ref, fee = "r_abcdefghijklmnopqrstuvwxyz", "annual_fee"
    return ledger.ChargeBooked(REF, f"{contract_id}/1", contract_id, ref, team, 1, period, period, amount, fee, NOW)


def apply(state: ledger.Ledger | None, events: Iterable[object]) -> ledger.Ledger:
    for event in events:
        state = ledger.evolve(state, event)
    assert state is not None
    return state


def close(state: ledger.Ledger, through: str) -> tuple[ledger.Ledger, list[object]]:
    events = ledger.settle(state, through, lambda _: Fraction(30, 100), NOW)
    return apply(state, events), events


def reopen(state: ledger.Ledger, period: str, closed_through: str) -> tuple[ledger.Ledger, list[object]]:
    the_book = book.Book(closed_through=closed_through)
    events = reopening.reverse(state, book.reopen(the_book, period, "closed_too_early", MONTHLY, LATER))
    return apply(state, events), events


def total(events: Iterable[object]) -> dict[str, int]:
    """A bureau's sum over its settlement stream: settlements plus reversals, figure by figure."""
    figures = [e for e in events if isinstance(e, ledger.PeriodSettled | ledger.SettlementReversed)]
    return {f: sum(getattr(e, f) for e in figures) for f in FIGURES}


def test_a_reversal_negates_the_settlement_and_names_it() -> None:
    state, closed = close(apply(None, [ledger.LedgerOpened(REF, None), charge("c1", "2026-03", 10000)]), "2026-03")

    state, reversed_ = reopen(state, "2026-03", "2026-03")

    [settled] = [e for e in closed if isinstance(e, ledger.PeriodSettled)]
    [reversal, reopened] = reversed_
    assert isinstance(reversal, ledger.SettlementReversed)
    assert (reversal.reverses_settlement_id, reversal.reason) == (settled.settlement_id, "closed_too_early")
    assert {f: getattr(reversal, f) for f in FIGURES} == {f: -getattr(settled, f) for f in FIGURES}
    assert reopened == ledger.LedgerReopened("2026-02")
    assert (state.closed_through, {p: set(c.contracts) for p, c in state.open.items()}) == (
        "2026-02",
        {"2026-03": {"c1"}},
    )
    assert state.withheld == ()


def test_closing_again_settles_the_right_figures_under_a_new_id_and_the_stream_sums_to_one_close() -> None:
    known = [charge("c1", "2026-03", 10000), charge("c2", "2026-03", 5001)]
    opened = apply(None, [ledger.LedgerOpened(REF, None), *known])
    wrong, first = close(opened, "2026-03")  # before c3 was known
    reopened, reversals = reopen(wrong, "2026-03", "2026-03")
    late_known = charge("c3", "2026-03", 2000, "T2")
    booked = ledger.book(reopened, late_known, MONTHLY, None)

    _, second = close(apply(reopened, [booked]), "2026-03")
    _, single = close(apply(opened, [late_known]), "2026-03")  # what one right close would have settled

    assert booked.reason == "annual_fee" and not booked.late  # in its own period again, not an adjustment
    [resettled] = [e for e in second if isinstance(e, ledger.PeriodSettled)]
    assert resettled.settlement_id == "st-2026-03-CHC-1~insurance_fund~MIB-1-r1"
    assert (resettled.contracts_charged, resettled.due_fen, resettled.withheld_fen) == (3, 17001, 5100)
    assert total([*first, *reversals, *second]) == total(single)


def test_reopening_a_period_reverses_the_later_closed_ones_too() -> None:
    opened = apply(None, [ledger.LedgerOpened(REF, None), charge("c1", "2026-02", 100), charge("c2", "2026-03", 200)])
    state, _ = close(opened, "2026-03")

    _, events = reopen(state, "2026-02", "2026-03")

    assert [(e.period, e.payable_fen) for e in events if isinstance(e, ledger.SettlementReversed)] == [
        ("2026-02", -70),
        ("2026-03", -140),
    ]


def test_what_was_released_or_never_closed_cannot_be_reopened() -> None:
    state, _ = close(apply(None, [ledger.LedgerOpened(REF, None), charge("c1", "2026-03", 10000)]), "2026-03")
    result = release.AppraisalResult("ar-1", None, "2026", "institution", "CHC-1", "CHC-1", Fraction(90))
    paid = release.release(state, result, ReleaseRule(), NOW)
    assert paid is not None

    with pytest.raises(WithheldAlreadyReleased):
        reopen(apply(state, [paid]), "2026-03", "2026-03")
    with pytest.raises(PeriodNotClosed):
        book.reopen(book.Book(closed_through="2026-02"), "2026-03", "closed_too_early", MONTHLY, LATER)
    with pytest.raises(PeriodNotClosed):
        book.reopen(book.Book(), "2026-03", "closed_too_early", MONTHLY, LATER)
    with pytest.raises(InvalidReopeningReason):
        book.reopen(book.Book(closed_through="2026-03"), "2026-03", "oops", MONTHLY, LATER)
