"""Streams that grow with the years, read by a process that has not cached them (after a
restart): a team with --events of places taken and released (a contract each, year after
year), and an institution's ledger with --events charges (a contract each, over the years'
months, each month settled); then a new command processor's first command on each (a place
taken; a charge booked), --repeats times, with the state read whole from the store and from
its snapshot and the events after it (`shared/eventstore/snapshots.py`), alternated. Prints
each way's median time of that first command and the ratio. A benchmark, not a test: it
asserts nothing.

    .venv/bin/python bench/long_streams.py --events 40000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services" / "signing"), str(ROOT / "services" / "billing")]

from billing.application import streams as billing  # noqa: E402
from billing.domain import ledger  # noqa: E402
from billing.domain.periods import Calendar  # noqa: E402
from shared.commands import CommandContext, CommandProcessor, Session, Work  # noqa: E402
from shared.eventstore import EventMeta, EventStore, NewEvent, open_store  # noqa: E402
from shared.eventstore.streams import StreamType  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from signing.application.streams import EVENTS, TEAMS  # noqa: E402
from signing.domain import team  # noqa: E402

NOW = datetime(2026, 3, 1, tzinfo=UTC)
DOCTOR = "d1"
REGISTERED = team.TeamRegistered(
    "t1", "Team", "i1", "community_health_center", "440106", (team.Member(DOCTOR, "family_doctor"),), 1_000_000, NOW
)


def context() -> CommandContext:
    return CommandContext("bench", str(uuid.uuid4()), "f", "corr", "cause", NOW)


REF = ledger.LedgerRef("i1", "440106", "insurance_fund", "b1")
MONTHLY = Calendar(1)


def append(store: EventStore, stream_id: str, history: list[Any], types: Any, batch: int = 5_000) -> None:
    meta = EventMeta("e", NOW, "corr", "cause", "bench")
    for start in range(0, len(history), batch):
        store.append(
            [
                NewEvent(stream_id, start + i + 1, *types.encode(event), replace(meta, event_id=f"e{start + i}"))
                for i, event in enumerate(history[start : start + batch])
            ]
        )


def a_team(events: int) -> list[object]:
    """Registered, then places taken and released."""
    history: list[object] = [REGISTERED]
    for n in range(events // 2):
        history += [team.PlaceTaken(f"c{n}", DOCTOR), team.PlaceReleased(f"c{n}", DOCTOR)]
    return history


def a_ledger(events: int) -> list[object]:
    """Opened, then a charge a contract, a month's worth at a time, each month settled."""
    state, history = None, [ledger.LedgerOpened(REF, None)]
    state = ledger.evolve(state, history[0])
    months = max(1, events // 2_000)
    for n in range(events):
        month = n * months // events
        period = f"{2020 + month // 12}-{month % 12 + 1:02d}"
        if history and isinstance(history[-1], ledger.ChargeBooked) and history[-1].period != period:
            for done in ledger.settle(state, history[-1].period, lambda _: Fraction(1, 10), NOW):
                history.append(done)
                state = ledger.evolve(state, done)
        charged = charge(f"c{n}", period)
        history.append(charged)
        state = ledger.evolve(state, charged)
    return history


def charge(contract_id: str, period: str) -> ledger.ChargeBooked:
    return ledger.ChargeBooked(
        REF, f"{contract_id}/1", contract_id, "r_bench", "t1", 1, period, period, 12_000, "annual_fee", NOW
    )


def take_place(kind: StreamType[Any]) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        found, _ = session.load(kind, "t1")
        place = team.take_place(found, "t1", f"new-{uuid.uuid4().hex}", DOCTOR)
        return {"version": session.record(kind, "t1", place, team.release_place(place.contract_id, DOCTOR)).version}

    return Work(handle, reads=[(kind, "t1")])


def book_charge(kind: StreamType[Any]) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        found, _ = session.load(kind, REF.key)
        booked = ledger.book(found, charge(f"new-{uuid.uuid4().hex}", "2019-12"), MONTHLY, None)
        return {"version": session.record(kind, REF.key, booked).version}

    return Work(handle, reads=[(kind, REF.key)])


def first_command(store: EventStore, kind: StreamType[Any], work: Any) -> float:
    processor = CommandProcessor(store)  # a new process's: nothing cached
    started = time.perf_counter()
    processor.execute_now(work(kind), context())
    elapsed = time.perf_counter() - started
    processor.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=40_000, help="the team stream's length")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cases = [
        ("a team", TEAMS, "team-t1", a_team, EVENTS, take_place),
        ("a ledger", billing.LEDGERS, billing.LEDGERS.stream_id(REF.key), a_ledger, billing.EVENTS, book_charge),
    ]
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        store = open_store(servers.enter_context(scratch_database(server, "fdcs_bench")), "bench")
        servers.callback(store.close)
        for name, kind, stream_id, history, types, work in cases:
            append(store, stream_id, history(args.events), types)
            first_command(store, kind, work)  # the first reader keeps a snapshot
            times: dict[str, list[float]] = {"whole": [], "snapshot": []}
            for _ in range(args.repeats):
                times["whole"].append(first_command(store, replace(kind, snapshots=None), work))
                times["snapshot"].append(first_command(store, kind, work))
            kept = store.snapshots([stream_id]).get(stream_id)
            print(
                f"{name}'s stream of {args.events:,} events and more; "
                f"snapshot at version {kept.version if kept else None}"
            )
            medians = {way: statistics.median(t) * 1000 for way, t in times.items()}
            for way, ms in medians.items():
                print(f"  first command, state read {way:>8}: median {ms:8.1f} ms over {args.repeats}")
            print(f"  whole against snapshot: {medians['whole'] / medians['snapshot']:.1f}x")


if __name__ == "__main__":
    main()
