"""Performance pay's income of an institution whose ledgers hold --years of charges: the job's
read of it (`Incomes`: the teams' sums of the year), the code before this change (every event of
every ledger of the institution read, its charges decoded and summed) beside this one's (each
ledger's state from its snapshot and the events after it, the sums kept by year in it), in the
same run, alternated --repeats times. --payers ledgers (an institution's payers), each with
--contracts charges a year over the year's months (one in twenty refunded later in the year),
each month settled, each year's withheld share released the next March; a snapshot --tail
events before each ledger's end, as a command leaves one (every 1,000 events). Prints each way's
median seconds, the events it read, its peak Python memory, and the ratio. A benchmark, not a
test: it asserts only that both ways answered alike.

    .venv/bin/python bench/performance_income.py --years 10 --contracts 5000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from fractions import Fraction
from functools import reduce
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services" / "billing")]

from bench.long_streams import append  # noqa: E402
from billing.application.performance import Incomes  # noqa: E402
from billing.application.streams import BOOK, BOOKS, EVENTS, LEDGERS  # noqa: E402
from billing.domain import book, ledger, release  # noqa: E402
from billing.domain.fee_rules import PAYERS, ReleaseRule  # noqa: E402
from shared.eventstore import EventStore, RecordedEvent, open_store  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

NOW = datetime(2026, 3, 1, tzinfo=UTC)
INSTITUTION = "CHC-1"
TEAMS = 8
LAST = 2026  # the ledgers' last year; the job is that year's


def a_ledger(payer: int, years: int, contracts: int) -> Iterator[object]:
    """Opened, then each year's charges a month at a time (a refund for one contract in twenty,
    six months on), each month settled, and the year before's withheld share released in March."""
    ref = ledger.LedgerRef(INSTITUTION, "440106", PAYERS[payer], f"MIB-{payer}")
    state = ledger.evolve(None, opened := ledger.LedgerOpened(ref, None))
    yield opened
    for year in range(LAST - years + 1, LAST + 1):
        for month in range(1, 13):
            for n in range(contracts * (month - 1) // 12, contracts * month // 12):
                for charged in _charges(ref, year, month, n):
                    state = ledger.evolve(state, charged)
                    yield charged
            assert state is not None
            for done in ledger.settle(state, f"{year}-{month:02}", lambda _: Fraction(1, 10), NOW):
                state = ledger.evolve(state, done)
                yield done
            if month == 3 and year > LAST - years + 1:  # the year before's appraisal releases its withheld share
                assert state is not None
                result = release.AppraisalResult(
                    f"ar-{year}", None, str(year - 1), "institution", INSTITUTION, INSTITUTION, Fraction(90)
                )
                paid = release.release(state, result, ReleaseRule(), NOW)
                state = ledger.evolve(state, paid)
                yield paid


def _charges(ref: ledger.LedgerRef, year: int, month: int, n: int) -> Iterator[ledger.ChargeBooked]:
    team, contract = f"T{n % TEAMS}", f"c-{year}-{n}"

    def booked(part: str, month: int, fen: int, reason: str) -> ledger.ChargeBooked:
        at = f"{year}-{month:02}"
        return ledger.ChargeBooked(ref, f"{contract}/{part}", contract, "r", team, year, at, at, fen, reason, NOW)

    yield booked("1", month, 12_000, "annual_fee")
    if n % 20 == 0 and month <= 6:  # its refund, booked into the period it is refunded in
        yield booked("r", month + 6, -6_000, "pro_rata_refund")


def fill(store: EventStore, payers: int, years: int, contracts: int, tail: int) -> int:
    """The ledgers in the book and their streams, each with a snapshot `tail` events before its
    end; the events stored."""
    keys = [ledger.LedgerRef(INSTITUTION, "440106", PAYERS[p], f"MIB-{p}").key for p in range(payers)]
    append(store, BOOKS.stream_id(BOOK), [book.LedgerRegistered(k, INSTITUTION) for k in keys], EVENTS)
    stored = 0
    for payer, key in enumerate(keys):
        events = list(a_ledger(payer, years, contracts))
        append(store, LEDGERS.stream_id(key), events, EVENTS)
        keep(store, LEDGERS.stream_id(key), events[: max(1, len(events) - tail)])
        stored += len(events)
    return stored


def keep(store: EventStore, stream: str, events: list[object]) -> None:
    """The snapshot a command that crossed a mark would have kept after these events."""
    kept = LEDGERS.snapshots
    assert kept is not None
    state = reduce(ledger.evolve, events, None)
    asyncio.run(store.keep_snapshots_async([kept.taken(stream, len(events), state)]))


def before(store: EventStore, year: int) -> dict[str, int]:
    """The code before: every event of every ledger of the institution read, its charges
    decoded and summed (teams' incomes below 0 are 0)."""
    keys = BOOKS.fold(store.read(BOOKS.stream_id(BOOK)))[0].of_institution(INSTITUTION)
    found = store.read_many([LEDGERS.stream_id(k) for k in keys])
    charges = EVENTS.names_of(ledger.ChargeBooked)
    totals: dict[str, int] = {}
    for recorded in (e for events in found.values() for e in events if e.type in charges):
        event = EVENTS.decode(recorded.type, recorded.data)
        if isinstance(event, ledger.ChargeBooked) and event.origin_period[:4] == str(year):
            totals[event.team_id] = totals.get(event.team_id, 0) + event.amount_fen
    return {team: max(total, 0) for team, total in totals.items()}


def after(store: EventStore, year: int) -> dict[str, int]:
    incomes = Incomes(store, year)
    return {team: incomes.of(INSTITUTION, team) for team in (f"T{n}" for n in range(TEAMS))}


def counted(store: EventStore, way: Callable[[EventStore, int], dict[str, int]]) -> tuple[dict[str, int], int, float]:
    """One run of `way` with its reads counted and its peak Python memory (MB) traced."""
    read, many = [0], store.read_many

    def reading(ids: list[str], versions: dict[str, int] | None = None) -> dict[str, list[RecordedEvent]]:
        found = many(ids, versions)
        read[0] += sum(len(events) for events in found.values())
        return found

    store.read_many = reading  # type: ignore[method-assign]
    tracemalloc.start()
    try:
        answer = way(store, LAST)
        return answer, read[0], tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
        del store.read_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--contracts", type=int, default=5_000, help="charged a year, on each ledger")
    parser.add_argument("--payers", type=int, default=4, help="the institution's ledgers")
    parser.add_argument("--tail", type=int, default=500, help="events after each ledger's snapshot")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ways = {"before": before, "after": after}
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        store = open_store(servers.enter_context(scratch_database(server, "fdcs_bench")), "bench")
        servers.callback(store.close)
        stored = fill(store, args.payers, args.years, args.contracts, args.tail)
        traced = {name: counted(store, way) for name, way in ways.items()}
        assert traced["before"][0] == traced["after"][0], traced  # the same figures to the fen
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.repeats):
            for name, way in ways.items():
                started = time.perf_counter()
                way(store, LAST)
                times[name].append(time.perf_counter() - started)
        print(
            f"an institution's {args.payers} ledgers, {args.years} years of {args.contracts:,} charges a year each: "
            f"{stored:,} events; {LAST}'s income of {TEAMS} teams, Σ {sum(traced['after'][0].values()):,} fen"
        )
        medians = {name: statistics.median(t) for name, t in times.items()}
        for name in ways:
            _, read, peak = traced[name]
            print(
                f"  {name:>6}: median {medians[name]:8.3f} s over {args.repeats}; "
                f"{read:,} events read; peak {peak:7.1f} MB (Python's, traced)"
            )
        print(f"  before against after: {medians['before'] / medians['after']:.1f}x")


if __name__ == "__main__":
    main()
