"""Given/when/then on a close decided by the book and settled ledger by ledger after it: a
charge arriving in between is late by the book's close, and every charge is settled exactly
once, in exactly one settlement, however the postings, the book's closes and the ledgers'
settles interleave."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from billing.domain import ledger
from billing.domain.periods import Calendar

NOW = datetime(2026, 3, 1, 2, tzinfo=UTC)
MONTHLY = Calendar(1)
REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")
PERIODS = [f"2026-{month:02}" for month in range(1, 13)]


def charge(contract_id: str, period: str, amount: int) -> ledger.ChargeBooked:
    fee, ref = "annual_fee", "r_abcdefghijklmnopqrstuvwxyz"
    return ledger.ChargeBooked(REF, f"{contract_id}/1", contract_id, ref, "T1", 1, period, period, amount, fee, NOW)


@dataclass
class Province:
    """One ledger and the book's close, as the commands leave them: the ledger's events."""

    book_closed: str | None = None
    state: ledger.Ledger = field(default_factory=lambda: ledger.Ledger(REF))
    settlements: list[ledger.PeriodSettled] = field(default_factory=list)
    booked: list[ledger.ChargeBooked] = field(default_factory=list)

    def post(self, contract_id: str, origin: str, amount: int) -> ledger.ChargeBooked:
        booked = ledger.book(self.state, charge(contract_id, origin, amount), MONTHLY, self.book_closed)
        assert self.state.closed_through is None or booked.period > self.state.closed_through  # an open period
        self._apply([booked])
        self.booked.append(booked)
        return booked

    def close_book(self, through: str) -> None:
        self.book_closed = ledger.later(self.book_closed, through)

    def settle(self) -> list[object]:
        """The ledger's part of the close: through the book's close."""
        assert self.book_closed is not None
        events = ledger.settle(self.state, self.book_closed, lambda _: Fraction(30, 100), NOW)
        self._apply(events)
        self.settlements += [e for e in events if isinstance(e, ledger.PeriodSettled)]
        return events

    def _apply(self, events: list[object]) -> None:
        for event in events:
            evolved = ledger.evolve(self.state, event)
            assert evolved is not None
            self.state = evolved


def test_a_charge_after_the_books_close_is_late_though_its_ledger_is_not_settled_yet() -> None:
    province = Province()
    province.post("c1", "2026-01", 10000)
    province.close_book("2026-01")  # the book's decision; the ledger's settle still to come

    late = province.post("late", "2026-01", 2000)
    january = province.settle()
    province.close_book("2026-02")
    february = province.settle()

    assert (late.period, late.reason) == ("2026-02", "late_adjustment")
    [jan] = [e for e in january if isinstance(e, ledger.PeriodSettled)]
    [feb] = [e for e in february if isinstance(e, ledger.PeriodSettled)]
    assert (jan.period, jan.due_fen, jan.adjustments_fen, jan.contracts_charged) == ("2026-01", 10000, 0, 1)
    assert (feb.period, feb.due_fen, feb.adjustments_fen, feb.contracts_charged) == ("2026-02", 0, 2000, 1)


def test_a_ledger_later_than_the_book_books_after_its_own_close() -> None:
    """A ledger a reopening kept closed (see `application/settlement.py`): its own close rules."""
    state = ledger.evolve(ledger.Ledger(REF), ledger.LedgerClosed("2026-03"))
    assert state is not None

    booked = ledger.book(state, charge("c1", "2026-02", 100), MONTHLY, "2026-01")

    assert (booked.period, booked.reason) == ("2026-04", "late_adjustment")
    assert ledger.later(None, None) is None and ledger.later("2026-03", None) == ledger.later(None, "2026-03")


Step = tuple[str, int, int]  # post (origin, amount), close the book (through), settle the ledger
steps = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.integers(0, 5), st.integers(-5000, 20000)),
        st.tuples(st.just("close"), st.integers(0, 6), st.just(0)),
        st.tuples(st.just("settle"), st.just(0), st.just(0)),
    ),
    max_size=40,
)


@given(steps)
def test_every_charge_is_settled_exactly_once_in_exactly_one_settlement(interleaved: list[Step]) -> None:
    province = Province()
    for n, (kind, at, amount) in enumerate(interleaved):
        if kind == "post":
            province.post(f"c{n}", PERIODS[at], amount)
        elif kind == "close":
            province.close_book(PERIODS[at])
        elif province.book_closed is not None:
            settled_through = province.state.closed_through
            province.settle()
            assert all(s.period <= province.book_closed for s in province.settlements)
            assert settled_through is None or province.state.closed_through >= settled_through  # type: ignore[operator]
    province.close_book(PERIODS[-1])
    province.settle()  # every period the charges went into is closed and settled by now

    by_period = {s.period: s for s in province.settlements}
    assert len(by_period) == len(province.settlements)  # a period settled once
    assert {b.period for b in province.booked} <= set(by_period)  # each charge's period settled...
    assert province.state.open == {}  # ...and nothing left open
    total = sum(s.due_fen + s.adjustments_fen for s in province.settlements)
    assert total == sum(b.amount_fen for b in province.booked)  # each charge in one settlement, once
    for s in province.settlements:
        mine = [b for b in province.booked if b.period == s.period]
        assert s.contracts_charged == len({b.contract_id for b in mine})
