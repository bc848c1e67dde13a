"""A team's contract-fee income for performance pay: Σ its charges (refunds deducted) whose
contract period is of the year, every payer's, never below 0. The ledgers keep those sums by
year, so the job reads each ledger from its snapshot and the events after it; the figures are
those of every charge read one by one (`income_of_every_charge`, the computation before)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.application.performance import Incomes
from billing.application.streams import BOOK, BOOKS, EVENTS, LEDGERS
from billing.domain import book, ledger
from billing.domain.fee_rules import Payer
from billing.domain.periods import Calendar
from shared.eventstore import EventMeta, EventStore, NewEvent, open_memory

NOW = datetime(2027, 3, 1, tzinfo=UTC)
MONTHLY = Calendar(1)
PAYERS: tuple[Payer, ...] = ("insurance_fund", "public_health_fund", "resident")
YEARS = (2024, 2025, 2026)


def ref(payer: Payer, institution: str = "CHC-1") -> ledger.LedgerRef:
    return ledger.LedgerRef(institution, "440106", payer, "MIB-1" if payer == "insurance_fund" else None)


def charge(at: ledger.LedgerRef, n: int, period: str, team: str, amount: int) -> ledger.ChargeBooked:
    reason = "annual_fee" if amount >= 0 else "pro_rata_refund"
    return ledger.ChargeBooked(at, f"c{n}/1", f"c{n}", "r_ref", team, 1, period, period, amount, reason, NOW)


def a_ledger(at: ledger.LedgerRef, postings: Iterable[tuple[str, str, int] | str]) -> list[object]:
    """Opened, then each posting booked ("period", "team", fen) or the book closed through a
    period and the ledger settled ("period"): a charge of a closed period goes late."""
    state: ledger.Ledger | None = None
    events: list[object] = []
    closed: str | None = None

    def apply(*more: object) -> None:
        nonlocal state
        for event in more:
            state = ledger.evolve(state, event)
            events.append(event)

    apply(ledger.LedgerOpened(at, None))
    for n, posting in enumerate(postings):
        assert state is not None
        if isinstance(posting, str):
            closed = ledger.later(closed, posting)
            apply(*ledger.settle(state, closed, lambda _: Fraction(1, 10), NOW))
        else:
            apply(ledger.book(state, charge(at, n, *posting), MONTHLY, closed))
    return events


def income_of_every_charge(ledgers: Iterable[list[object]], year: int) -> dict[str, int]:
    """The computation the job made before: every charge of every year read and summed."""
    totals: dict[str, int] = {}
    for event in (e for events in ledgers for e in events):
        if isinstance(event, ledger.ChargeBooked) and event.origin_period[:4] == str(year):
            totals[event.team_id] = totals.get(event.team_id, 0) + event.amount_fen
    return {team: max(total, 0) for team, total in totals.items()}


def stored(ledgers: dict[ledger.LedgerRef, list[object]], kept_at: dict[ledger.LedgerRef, int]) -> EventStore:
    """The ledgers in the book and their streams, each with a snapshot after its event
    `kept_at` where given."""
    store, meta = open_memory(), EventMeta("e", NOW, "c", "c", "test")
    registered = [book.LedgerRegistered(at.key, at.institution_id) for at in ledgers]
    store.append([NewEvent(BOOKS.stream_id(BOOK), n, *EVENTS.encode(e), meta) for n, e in enumerate(registered, 1)])
    for at, events in ledgers.items():
        stream = LEDGERS.stream_id(at.key)
        store.append([NewEvent(stream, n, *EVENTS.encode(e), meta) for n, e in enumerate(events, 1)])
        if at in kept_at:
            keep(store, stream, kept_at[at])
    return store


def keep(store: EventStore, stream: str, version: int) -> None:
    """The snapshot a command would have kept after the stream's event `version`."""
    kept = LEDGERS.snapshots
    assert kept is not None
    asyncio.run(
        store.keep_snapshots_async([kept.taken(stream, version, LEDGERS.fold(store.read(stream)[:version])[0])])
    )


def incomes(store: EventStore, year: int, teams: Iterable[str]) -> dict[str, int]:
    job = Incomes(store, year)
    return {team: job.of("CHC-1", team) for team in teams}


PERIODS = st.builds(lambda y, m: f"{y}-{m:02}", st.sampled_from(YEARS), st.integers(1, 12))
POSTINGS = st.lists(
    st.one_of(
        st.tuples(PERIODS, st.sampled_from(["T1", "T2", "T3"]), st.integers(-30_000, 30_000)),
        PERIODS,  # the book closed through it
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(PAYERS), POSTINGS), min_size=1, max_size=3, unique_by=lambda p: p[0]),
    st.data(),
)
def test_the_income_is_the_years_charges_of_every_payer_read_one_by_one(
    payers: list[tuple[Payer, list[Any]]], data: st.DataObject
) -> None:
    ledgers = {ref(payer): a_ledger(ref(payer), postings) for payer, postings in payers}
    kept_at = {at: data.draw(st.integers(1, len(events))) for at, events in ledgers.items()}
    other = ref("insurance_fund", "CHC-2")  # another institution's ledger: not its teams' income
    store = stored(ledgers | {other: a_ledger(other, [("2025-03", "T1", 50_000)])}, kept_at)

    for year in YEARS:
        expected = income_of_every_charge(ledgers.values(), year)
        assert incomes(store, year, ["T1", "T2", "T3"]) == {t: expected.get(t, 0) for t in ("T1", "T2", "T3")}


def test_a_refund_and_a_late_charge_count_in_their_contracts_year_and_a_year_below_zero_is_zero() -> None:
    fund, resident = ref("insurance_fund"), ref("resident")
    ledgers = {
        fund: a_ledger(fund, [("2025-11", "T1", 18_000), "2025-12", ("2025-12", "T1", 6_000), ("2026-01", "T1", 900)]),
        resident: a_ledger(resident, [("2025-02", "T1", 2_000), ("2025-06", "T1", -500), ("2025-06", "T2", -700)]),
    }
    late = [e for e in ledgers[fund] if isinstance(e, ledger.ChargeBooked) and e.late]
    assert [(e.period, e.origin_period) for e in late] == [("2026-01", "2025-12")]  # booked into 2026

    store = stored(ledgers, {fund: 4})

    assert incomes(store, 2025, ["T1", "T2", "T3"]) == {"T1": 25_500, "T2": 0, "T3": 0}
    assert incomes(store, 2026, ["T1"]) == {"T1": 900}


def test_the_income_reads_each_ledger_from_its_snapshot_not_the_years_before_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two years of charges kept in a snapshot: the job reads only the events after it."""
    fund, resident = ref("insurance_fund"), ref("resident")
    years = [(f"{y}-{m:02}", "T1", 1_000) for y in (2024, 2025) for m in range(1, 13)]
    ledgers = {fund: a_ledger(fund, [*years, ("2026-01", "T1", 3_000)]), resident: a_ledger(resident, years)}
    store = stored(ledgers, {fund: len(ledgers[fund]) - 1, resident: len(ledgers[resident])})
    asked: list[Any] = []
    many = store.read_many
    monkeypatch.setattr(store, "read_many", lambda ids, after=None: asked.append(after) or many(ids, after))

    assert incomes(store, 2025, ["T1"]) == {"T1": 24_000}
    assert incomes(store, 2026, ["T1"]) == {"T1": 3_000}

    after = {LEDGERS.stream_id(fund.key): len(ledgers[fund]) - 1, LEDGERS.stream_id(resident.key): len(years) + 1}
    assert asked == [after, after]  # once each job: the one charge after the fund's snapshot, none of the years
