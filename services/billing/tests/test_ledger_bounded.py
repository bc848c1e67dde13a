"""Given/when/then on a ledger that forgets what no reopening can need any more: once a release
pays out a settlement, no period through it can be reopened (`reopening.check`), so the ledger
keeps the contracts and settlements of the periods after it only, and refuses as before."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from billing.domain import book, ledger, release, reopening
from billing.domain.errors import WithheldAlreadyReleased
from billing.domain.fee_rules import ReleaseRule
from billing.domain.periods import Calendar

NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)
MONTHLY = Calendar(1)
REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")
YEAR_2025 = [f"2025-{month:02}" for month in range(1, 13)]


def charge(contract_id: str, period: str, amount: int, team: str = "T1") -> ledger.ChargeBooked:
    ref, fee = "r_abcdefghijklmnopqrstuvwxyz", "annual_fee"
    return ledger.ChargeBooked(
        REF, f"{contract_id}/{period}", contract_id, ref, team, 1, period, period, amount, fee, NOW
    )


def apply(state: ledger.Ledger | None, events: Iterable[object]) -> ledger.Ledger:
    for event in events:
        state = ledger.evolve(state, event)
    assert state is not None
    return state


def closed(state: ledger.Ledger, through: str) -> ledger.Ledger:
    return apply(state, ledger.settle(state, through, lambda _: Fraction(30, 100), NOW))


def reopened(state: ledger.Ledger, period: str) -> list[object]:
    return reopening.reverse(state, book.reopening(period, "closed_too_early", MONTHLY, NOW))


def released(state: ledger.Ledger, appraisal_period: str, score: str = "90") -> ledger.Ledger:
    result = release.AppraisalResult(
        f"ar-{score}", None, appraisal_period, "institution", "CHC-1", "CHC-1", Fraction(score)
    )
    paid = release.release(state, result, ReleaseRule(), NOW)
    assert paid is not None
    return apply(state, [paid])


def fifteen_months() -> ledger.Ledger:
    """2025's months and 2026's first three, each charged for contracts c0–c2 and settled."""
    state = apply(None, [ledger.LedgerOpened(REF, None)])
    for period in [*YEAR_2025, "2026-01", "2026-02", "2026-03"]:
        state = closed(apply(state, [charge(f"c{n}", period, 1000 * (n + 1)) for n in range(3)]), period)
    return state


def test_a_release_forgets_the_contracts_of_the_periods_it_paid_out() -> None:
    state = released(fifteen_months(), "2025")

    assert sorted(state.settled) == ["2026-01", "2026-02", "2026-03"]  # the contracts reopening may open again
    assert sorted(state.settlements) == ["2025-12", "2026-01", "2026-02", "2026-03"]  # the refusal's marker
    assert [w.period for w in state.withheld] == ["2026-01", "2026-02", "2026-03"]
    assert list(state.releases) == ["rl-2025-CHC-1-CHC-1~insurance_fund~MIB-1"]  # a restatement's pot


def test_reopening_a_period_paid_out_is_refused_as_before() -> None:
    state = released(fifteen_months(), "2025")

    for period in ("2025-01", "2025-12"):
        with pytest.raises(WithheldAlreadyReleased, match="st-2025-12-CHC-1~insurance_fund~MIB-1 was released"):
            reopened(state, period)
        assert reopening.released(state, period)  # a reopening's ledger command keeps this ledger as it stands


def test_reopening_a_later_period_reverses_it_and_settles_again_with_exact_counts() -> None:
    state = released(fifteen_months(), "2025")

    reversals = reopened(state, "2026-02")
    again = apply(state, reversals)
    again = apply(again, [charge("c1", "2026-02", 500), charge("c9", "2026-02", 700)])  # one known, one new
    [settled] = [
        e
        for e in ledger.settle(again, "2026-02", lambda _: Fraction(30, 100), NOW)
        if e != ledger.LedgerClosed("2026-02")
    ]

    assert [(r.period, r.contracts_charged) for r in reversals if isinstance(r, ledger.SettlementReversed)] == [
        ("2026-02", -3),
        ("2026-03", -3),
    ]
    assert isinstance(settled, ledger.PeriodSettled)
    assert (settled.settlement_id, settled.contracts_charged, settled.due_fen) == (
        "st-2026-02-CHC-1~insurance_fund~MIB-1-r1",
        4,
        7200,
    )


def test_a_period_that_withheld_nothing_is_forgotten_only_behind_one_paid_out() -> None:
    """It had nothing paid out, so alone it never stops a reopening (as before): a refund-only
    month after the paid-out one stays reopenable, and is kept; one before it is forgotten."""
    state = fifteen_months()
    state = closed(apply(state, [charge("c0", "2026-04", -900)]), "2026-04")  # a refund: nothing withheld
    state = released(state, "2026-Q1")

    assert sorted(state.settled) == ["2026-04"]
    assert [r.period for r in reopened(state, "2026-04") if isinstance(r, ledger.SettlementReversed)] == ["2026-04"]
    with pytest.raises(WithheldAlreadyReleased):
        reopened(state, "2026-03")


def test_a_restatement_re_decides_the_pot_it_paid_out_long_ago() -> None:
    state = released(fifteen_months(), "2025")
    state = released(state, "2026")  # a year on: 2026's months paid out too

    restated = release.AppraisalResult("ar-again", "ar-90", "2025", "institution", "CHC-1", "CHC-1", Fraction(50))
    again = release.release(state, restated, ReleaseRule(), NOW)

    assert again is not None and again.release_id == "rl-2025-CHC-1-CHC-1~insurance_fund~MIB-1"
    assert (again.withheld_fen, again.released_fen) == (21600, 10800)  # 2025's pot: 12 × 30% of 6,000
