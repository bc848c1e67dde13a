"""A ledger's state after --years, an earlier code's (`--before`, a git ref: main by default)
beside this tree's in the same run: one ledger with --contracts charges a year over the year's
months (one in twenty refunded six months on), each month settled with 30% withheld, each year's
withheld share released by its appraisal in the next March. Each code, in a process of its own,
folds the stream, keeps the snapshot a command leaves (at the last mark of 1,000 events) and
reports its bytes, the state's Python memory read back from it, the fold's seconds, and a new
command processor's first command on the ledger (a charge booked: the snapshot and the events
after it read) --repeats times; the codes alternated --rounds times. Prints medians and ratios.
A benchmark, not a test: it asserts only that both codes' states decide alike.

    .venv/bin/python bench/ledger_state.py --years 5 10 20 --contracts 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE_ROOT", ROOT))  # the code that folds: this tree's, or the earlier one
sys.path[:0] = [str(CODE), str(CODE / "services" / "billing")]

from bench.billing_close import earlier  # noqa: E402
from bench.long_streams import append  # noqa: E402
from billing.application.streams import EVENTS, LEDGERS  # noqa: E402
from billing.domain import ledger, release, reopening  # noqa: E402
from billing.domain.fee_rules import ReleaseRule  # noqa: E402
from billing.domain.periods import Calendar  # noqa: E402
from shared.commands import CommandContext, CommandProcessor, Session, Work  # noqa: E402
from shared.eventstore import open_store  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

NOW = datetime(2026, 3, 1, tzinfo=UTC)
REF = ledger.LedgerRef("CHC-1", "440106", "insurance_fund", "MIB-1")
LAST, TEAMS = 2026, 8
SCHEMA = "bench"


def a_ledger(years: int, contracts: int) -> Iterator[object]:
    """Opened, then each year's charges a month at a time, each month settled, the year before's
    withheld share released after March's close."""
    state = ledger.evolve(None, opened := ledger.LedgerOpened(REF, None))
    yield opened
    for year in range(LAST - years + 1, LAST + 1):
        for month in range(1, 13):
            assert state is not None
            charged = [
                c
                for n in range(contracts * (month - 1) // 12, contracts * month // 12)
                for c in _charges(year, month, n)
            ]
            state = _applied(state, charged)
            settled = ledger.settle(state, f"{year}-{month:02}", lambda _: Fraction(3, 10), NOW)
            state = _applied(state, settled)
            yield from [*charged, *settled]
            if month == 3 and year > LAST - years + 1:
                result = release.AppraisalResult(
                    f"ar-{year}", None, str(year - 1), "institution", "CHC-1", "CHC-1", Fraction(90)
                )
                paid = release.release(state, result, ReleaseRule(), NOW)
                state = _applied(state, [paid])
                yield paid


def _applied(state: ledger.Ledger, events: list[object]) -> ledger.Ledger:
    for event in events:
        state = ledger.evolve(state, event)  # type: ignore[assignment]
    return state


def _charges(year: int, month: int, n: int) -> Iterator[ledger.ChargeBooked]:
    team, contract = f"T{n % TEAMS}", f"c-{year}-{n}"
    for part, at, fen in (("1", month, 12_000), ("r", month + 6, -6_000)):
        if part == "1" or (n % 20 == 0 and month <= 6):  # one in twenty refunded, in its refund's period
            period = f"{year}-{at:02}"
            yield ledger.ChargeBooked(
                REF, f"{contract}/{part}", contract, "r", team, year, period, period, fen, "annual_fee", NOW
            )


def measured(url: str, events: int, repeats: int) -> dict[str, Any]:
    """This process's code: the stream's first `events` (the ledger's years, not the commands timed
    since) folded, its snapshot kept at their last mark and read back, and a new processor's first
    command timed `repeats` times."""
    store = open_store(url, SCHEMA)
    snapshot, folded = _kept(store, events)
    kept = LEDGERS.snapshots
    assert kept is not None
    loads = [_timed(kept.load, snapshot.state) for _ in range(repeats)]
    tracemalloc.start()
    read_back = kept.load(snapshot.state)
    memory = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    commands = [_first_command(store) for _ in range(repeats)]
    store.close()
    settled = ledger.settle(read_back, f"{LAST + 1}-01", lambda _: Fraction(3, 10), NOW)  # answers both must give
    decision = [settled, *(bool(reopening.released(read_back, f"{year}-06")) for year in range(LAST - 20, LAST + 1))]
    figures = {"bytes": len(snapshot.state), "memory_mb": memory, "fold_s": folded, "load_ms": loads}
    return figures | {"command_ms": commands, "events": events, "decision": repr(decision)}


def _kept(store: Any, events: int) -> tuple[Any, float]:
    """The snapshot of the stream's first `events` a command leaves (at their last mark of
    `every` events), kept; and the seconds its fold took."""
    stream, kept = LEDGERS.stream_id(REF.key), LEDGERS.snapshots
    assert kept is not None
    mark = events // kept.every * kept.every or events  # a short stream's: its end
    recorded = store.read(stream)[:mark]
    started = time.perf_counter()
    state, _ = LEDGERS.fold(recorded, None)
    folded = time.perf_counter() - started
    snapshot = kept.taken(stream, mark, state)
    asyncio.run(store.keep_snapshots_async([snapshot]))
    return snapshot, folded


def _timed(load: Any, kept: bytes) -> float:
    started = time.perf_counter()
    load(kept)
    return (time.perf_counter() - started) * 1000


def _first_command(store: Any) -> float:
    def handle(session: Session) -> dict[str, Any]:
        found = session.load(LEDGERS, REF.key).state
        charge = ledger.ChargeBooked(REF, uuid.uuid4().hex, uuid.uuid4().hex, "r", "T1", LAST, f"{LAST}-12",
                                     f"{LAST}-12", 100, "annual_fee", NOW)  # fmt: skip
        return {"version": session.record(LEDGERS, REF.key, ledger.book(found, charge, Calendar(1), None)).version}

    processor = CommandProcessor(store)  # a new process's: nothing cached
    started = time.perf_counter()
    processor.execute_now(
        Work(handle, reads=[(LEDGERS, REF.key)]), CommandContext("bench", uuid.uuid4().hex, "f", "c", "c", NOW)
    )
    elapsed = time.perf_counter() - started
    processor.close()
    return elapsed * 1000


def by(code: Path, url: str, events: int, repeats: int) -> dict[str, Any]:
    """`measured` in a process of its own, on `code`'s billing."""
    env = os.environ | {"BENCH_CODE_ROOT": str(code), "LOG_LEVEL": "WARNING"}
    run = subprocess.run(  # this very script, in its measuring mode
        [sys.executable, __file__, "--measure", url, "--events", str(events), "--repeats", str(repeats)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, nargs="+", default=[20])
    parser.add_argument("--contracts", type=int, default=5_000, help="charged a year")
    parser.add_argument("--repeats", type=int, default=5, help="first commands timed in each code's process")
    parser.add_argument("--rounds", type=int, default=2, help="each code's processes, alternated")
    parser.add_argument("--before", default="main", help="the git ref whose code runs beside this tree's")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a code's own process: the database's URL
    parser.add_argument("--events", type=int, help=argparse.SUPPRESS)  # and the ledger's events
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measured(args.measure, args.events, args.repeats)))
        return
    with ExitStack() as stack:  # PostgreSQL: DATABASE_URL's, or one of our own for this run
        server = stack.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        before = earlier(args.before, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        for years in args.years:
            url = stack.enter_context(scratch_database(server, "fdcs_bench"))
            store = open_store(url, SCHEMA)
            events = list(a_ledger(years, args.contracts))
            append(store, LEDGERS.stream_id(REF.key), events, EVENTS)
            store.close()
            runs: dict[str, list[dict[str, Any]]] = {args.before: [], "this tree": []}
            codes = [(args.before, before), ("this tree", ROOT)]
            for n in range(args.rounds):  # each code first in every other round
                for name, code in codes[:: 1 if n % 2 == 0 else -1]:
                    runs[name].append(by(code, url, len(events), args.repeats))
            report(years, args.contracts, runs)


def report(years: int, contracts: int, runs: dict[str, list[dict[str, Any]]]) -> None:
    decisions = {run["decision"] for found in runs.values() for run in found}
    assert len(decisions) == 1, decisions  # both codes' states settle alike
    first = next(iter(runs.values()))[0]
    print(f"a ledger of {years} years, {contracts:,} contracts a year: {first['events']:,} events")
    medians = {}
    for name, found in runs.items():
        medians[name] = m = {
            "bytes": statistics.median(r["bytes"] for r in found) / 1e6,
            "memory_mb": statistics.median(r["memory_mb"] for r in found),
            "fold_s": statistics.median(r["fold_s"] for r in found),
            "load_ms": statistics.median(ms for r in found for ms in r["load_ms"]),
            "command_ms": statistics.median(ms for r in found for ms in r["command_ms"]),
        }
        print(f"  {name:>9}: snapshot {m['bytes']:6.2f} MB, state {m['memory_mb']:6.1f} MB (traced), read back "
              f"{m['load_ms']:6.1f} ms, a command {m['command_ms']:6.1f} ms, fold {m['fold_s']:4.2f} s")  # fmt: skip
    old, new = medians.values()
    print(
        "  ratios: "
        + ", ".join(f"{k} {old[k] / new[k]:.1f}x" for k in ("bytes", "memory_mb", "load_ms", "command_ms", "fold_s"))
    )


if __name__ == "__main__":
    main()
