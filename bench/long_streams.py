"""A stream that grows with the years, read by a process that has not cached it (after a
restart): a team with --events of places taken and released (a contract each, year after
year), then a signing's place taken by a new command processor, --repeats times, with the
team's state read whole from the store and from its snapshot and the events after it
(`shared/eventstore/snapshots.py`), alternated. Prints each way's median time of that first
command and the ratio. A benchmark, not a test: it asserts nothing.

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services" / "signing")]

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


def grow(store: EventStore, events: int, batch: int = 5_000) -> None:
    """The team registered, then places taken and released, appended a batch at a time."""
    history: list[object] = [REGISTERED]
    for n in range(events // 2):
        history += [team.PlaceTaken(f"c{n}", DOCTOR), team.PlaceReleased(f"c{n}", DOCTOR)]
    meta = EventMeta("e", NOW, "corr", "cause", "bench")
    for start in range(0, len(history), batch):
        store.append(
            [
                NewEvent("team-t1", start + i + 1, *EVENTS.encode(event), replace(meta, event_id=f"e{start + i}"))
                for i, event in enumerate(history[start : start + batch])
            ]
        )


def take_place(kind: StreamType[Any]) -> Work:
    def handle(session: Session) -> dict[str, Any]:
        found, _ = session.load(kind, "t1")
        place = team.take_place(found, "t1", f"new-{uuid.uuid4().hex}", DOCTOR)
        return {"version": session.record(kind, "t1", place, team.release_place(place.contract_id, DOCTOR)).version}

    return Work(handle, reads=[(kind, "t1")])


def first_command(store: EventStore, kind: StreamType[Any]) -> float:
    processor = CommandProcessor(store)  # a new process's: nothing cached
    started = time.perf_counter()
    processor.execute_now(take_place(kind), context())
    elapsed = time.perf_counter() - started
    processor.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=40_000, help="the team stream's length")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    whole = replace(TEAMS, snapshots=None)
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        store = open_store(servers.enter_context(scratch_database(server, "fdcs_bench")), "signing_bench")
        servers.callback(store.close)
        grow(store, args.events)
        first_command(store, TEAMS)  # the first reader keeps a snapshot
        times: dict[str, list[float]] = {"whole": [], "snapshot": []}
        for _ in range(args.repeats):
            times["whole"].append(first_command(store, whole))
            times["snapshot"].append(first_command(store, TEAMS))
        kept = store.snapshot("team-t1")
    print(f"a team's stream of {args.events:,} events; snapshot at version {kept.version if kept else None}")
    medians = {way: statistics.median(t) * 1000 for way, t in times.items()}
    for way, ms in medians.items():
        print(f"  first command, state read {way:>8}: median {ms:8.1f} ms over {args.repeats}")
    print(f"  whole against snapshot: {medians['whole'] / medians['snapshot']:.1f}x")


if __name__ == "__main__":
    main()
