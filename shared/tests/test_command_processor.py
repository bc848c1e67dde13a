"""Group commit, idempotency and concurrency of the command processor, on a tiny aggregate:
a box with a fixed number of places (the shape of a team's cap)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from prometheus_client import REGISTRY

from shared.commands import (
    CommandContext,
    CommandProcessor,
    IdempotencyKeyReused,
    Outcome,
    PreconditionFailed,
    Session,
    Work,
)
from shared.domain import DomainError
from shared.eventstore import EventStore, open_store
from shared.eventstore.streams import EventTypes, StreamType


@dataclass(frozen=True)
class PlaceTaken:
    by: str


class BoxFull(DomainError):
    code = "box-full"


EVENTS = EventTypes("test")
EVENTS.register(PlaceTaken)
CAPACITY = 5
BOXES: StreamType[int] = StreamType("box", 0, lambda taken, _: taken + 1, EVENTS)


def take_place(box: str, who: str) -> Any:
    def handle(session: Session) -> dict[str, Any]:
        taken, _ = session.load(BOXES, box)
        if taken >= CAPACITY:
            raise BoxFull(f"box {box} is full")
        taken, version = session.record(BOXES, box, PlaceTaken(who))
        return {"taken": taken, "version": version}

    return handle


def context(key: str | None = None, fingerprint: str = "f", actor: str = "tester") -> CommandContext:
    return CommandContext(
        actor, key or str(uuid.uuid4()), fingerprint, "corr", "cause", datetime(2026, 3, 1, tzinfo=UTC)
    )


async def take_many(processor: CommandProcessor, box: str, n: int) -> list[Any]:
    calls = [processor.execute(take_place(box, f"r{i}"), context()) for i in range(n)]
    return await asyncio.gather(*calls, return_exceptions=True)


def test_concurrent_commands_share_a_commit_and_the_cap_holds_exactly(store: EventStore) -> None:
    processor = CommandProcessor(store)

    outcomes = asyncio.run(take_many(processor, "b1", 12))

    assert sum(not isinstance(o, Exception) for o in outcomes) == CAPACITY
    assert all(isinstance(o, BoxFull) for o in outcomes if isinstance(o, Exception))
    assert [e.version for e in store.read("box-b1")] == [1, 2, 3, 4, 5]


def test_repeating_a_command_replays_its_outcome_and_appends_nothing(store: EventStore) -> None:
    processor = CommandProcessor(store)
    first = processor.execute_now(take_place("b1", "x"), context("key-1"))

    again = processor.execute_now(take_place("b1", "x"), context("key-1"))
    after_restart = CommandProcessor(store).execute_now(take_place("b1", "x"), context("key-1"))

    assert (again.result, again.replayed) == (first.result, True)
    assert (after_restart.result, after_restart.replayed) == (first.result, True)
    assert len(store.read("box-b1")) == 1


def test_a_key_replays_after_a_restart_even_where_the_command_would_now_be_refused(store: EventStore) -> None:
    """A process that has not seen the key (restarted, or its cache let it go) finds the receipt
    in the store: the repeated request gets its first outcome, not a refusal (the box is full now)."""
    processor = CommandProcessor(store)
    first = processor.execute_now(take_place("b1", "x"), context("key-1"))
    for i in range(CAPACITY - 1):
        processor.execute_now(take_place("b1", f"r{i}"), context())

    async def after_restart() -> Any:
        return await CommandProcessor(store).execute(take_place("b1", "x"), context("key-1"))

    again = asyncio.run(after_restart())

    assert (again.result, again.replayed) == (first.result, True)


def test_a_key_is_scoped_to_its_caller_and_bound_to_its_request(store: EventStore) -> None:
    processor = CommandProcessor(store)
    processor.execute_now(take_place("b1", "x"), context("key-1", fingerprint="one"))

    with pytest.raises(IdempotencyKeyReused):
        processor.execute_now(take_place("b1", "x"), context("key-1", fingerprint="two"))
    other_caller = processor.execute_now(take_place("b1", "y"), context("key-1", actor="someone-else"))

    assert not other_caller.replayed
    assert len(store.read("box-b1")) == 2


def test_the_same_key_twice_in_one_batch_runs_once(store: EventStore) -> None:
    processor = CommandProcessor(store)

    async def twice() -> list[Any]:
        return await asyncio.gather(*(processor.execute(take_place("b1", "x"), context("k")) for _ in range(2)))

    first, second = asyncio.run(twice())

    assert first.result == second.result
    assert len(store.read("box-b1")) == 1


def test_an_expected_version_that_moved_on_fails(store: EventStore) -> None:
    processor = CommandProcessor(store)
    processor.execute_now(take_place("b1", "x"), context())

    def expecting(version: int) -> Any:
        def handle(session: Session) -> dict[str, Any]:
            session.load(BOXES, "b1", expected_version=version)
            return {}

        return handle

    with pytest.raises(PreconditionFailed):
        processor.execute_now(expecting(0), context())
    assert processor.execute_now(expecting(1), context()).result == {}


def test_commands_run_now_together_are_one_transaction_decided_in_turn(store: EventStore) -> None:
    appends: list[int] = []
    append = store.append_async

    async def counted(events: Any, sealed: bool = False) -> None:
        appends.extend([len(events)] if events else [])
        await append(events, sealed)

    store.append_async = counted  # type: ignore[method-assign]
    processor = CommandProcessor(store)
    commands = [(take_place("b1", f"r{i}"), context(f"k{i}")) for i in range(CAPACITY + 2)]

    outcomes = processor.execute_all_now(commands)
    again = processor.execute_all_now(commands)  # a consumer's poll delivered again

    assert [o.result["taken"] for o in outcomes[:CAPACITY] if isinstance(o, Outcome)] == [1, 2, 3, 4, 5]
    assert all(isinstance(o, BoxFull) for o in outcomes[CAPACITY:])
    assert all(isinstance(o, Outcome) and o.replayed for o in again[:CAPACITY])
    assert appends == [CAPACITY * 2]  # the places and their receipts; the replay appends nothing
    processor.close()


def test_two_processes_racing_for_the_last_places_never_overfill(postgres_url: str, schema: str) -> None:
    """Two replicas with their own caches on one database: the store's unique key decides."""
    pg_store = open_store(postgres_url, schema)
    replicas = [CommandProcessor(pg_store), CommandProcessor(open_store(postgres_url, schema))]
    for replica in replicas:  # warm both caches with the same, soon stale, state
        replica.execute_now(take_place("b1", "warm"), context())
    results: list[Any] = []

    def sign(replica: CommandProcessor, i: int) -> None:
        try:
            results.append(replica.execute_now(take_place("b1", f"r{i}"), context()))
        except BoxFull as full:
            results.append(full)

    threads = [threading.Thread(target=sign, args=(replicas[i % 2], i)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(not isinstance(r, BoxFull) for r in results) == CAPACITY - 2
    assert [e.version for e in pg_store.read("box-b1")] == [1, 2, 3, 4, 5]


def test_a_refused_command_does_not_spoil_its_batch(store: EventStore) -> None:
    processor = CommandProcessor(store)

    def broken(session: Session) -> dict[str, Any]:
        raise RuntimeError("a bug in one handler")

    async def mixed() -> list[Any]:
        return await asyncio.gather(
            processor.execute(take_place("b1", "a"), context()),
            processor.execute(broken, context()),
            processor.execute(take_place("b2", "b"), context()),
            return_exceptions=True,
        )

    first, second, third = asyncio.run(mixed())

    assert isinstance(second, RuntimeError)
    assert first.result["taken"] == 1 and third.result["taken"] == 1


class BoxEmpty(DomainError):
    code = "box-empty"


def join_someone(box: str, who: str) -> Any:
    """Take a place only next to someone: refused while the box is empty."""

    def handle(session: Session) -> dict[str, Any]:
        taken, _ = session.load(BOXES, box)
        if taken == 0:
            raise BoxEmpty(f"nobody is in box {box} yet")
        taken, version = session.record(BOXES, box, PlaceTaken(who))
        return {"taken": taken, "version": version}

    return handle


def test_a_refusal_is_not_decided_on_a_state_another_process_has_changed(store: EventStore) -> None:
    """A refusal appends nothing, so a stale cached state would never conflict: the command
    is decided again on fresh state (a consumer's process wrote what the API's process read)."""
    api, consumer = CommandProcessor(store), CommandProcessor(store)
    with pytest.raises(BoxEmpty):
        api.execute_now(join_someone("b1", "a"), context())  # the API now caches an empty box

    consumer.execute_now(take_place("b1", "b"), context())
    joined = api.execute_now(join_someone("b1", "a"), context())

    assert joined.result == {"taken": 2, "version": 2}


def test_a_refusal_made_on_a_stale_cache_is_decided_again_on_the_store(store: EventStore) -> None:
    """Another process wrote since this one cached the stream: only the store may refuse."""
    here, elsewhere = CommandProcessor(store), CommandProcessor(store)
    first = here.execute_now(take_place("b1", "x"), context("key-1"))
    for i in range(CAPACITY - 1):
        elsewhere.execute_now(take_place("b1", f"y{i}"), context())

    def expecting_the_box_full(session: Session) -> dict[str, Any]:
        session.load(BOXES, "b1", expected_version=CAPACITY)
        return {"seen": CAPACITY}

    async def in_a_batch() -> Any:
        return await here.execute(expecting_the_box_full, context())

    assert asyncio.run(in_a_batch()).result == {"seen": CAPACITY}, "not a 412 from the stale version 1"
    retried = elsewhere.execute_now(take_place("b1", "x"), context("key-1"))  # not "full": its first outcome
    assert (retried.result, retried.replayed) == (first.result, True)


def test_a_stream_another_process_wrote_is_read_on_from_the_version_cached_so_the_append_does_not_conflict(
    store: EventStore,
) -> None:
    """Two API processes signing into the same team, in turn: each batch reads what the other
    appended since its cache, instead of conflicting on the stale version and deciding again."""
    here, elsewhere = CommandProcessor(store), CommandProcessor(store)
    conflicts = REGISTRY.get_sample_value("fdcs_command_conflicts_total") or 0

    async def in_turn() -> tuple[list[Outcome], BaseException | None]:
        taking = [
            await p.execute(Work(take_place("b1", f"r{i}"), [(BOXES, "b1")]), context())
            for i, p in enumerate([here, elsewhere] * 3)
            if i < CAPACITY
        ]
        try:
            await here.execute(Work(take_place("b1", "late"), [(BOXES, "b1")]), context())
            refused = None
        except BoxFull as full:
            refused = full
        await here.stop()
        await elsewhere.stop()
        return taking, refused

    taken, refused = asyncio.run(in_turn())

    assert [o.result["taken"] for o in taken] == [1, 2, 3, 4, 5]
    assert isinstance(refused, BoxFull)
    assert (REGISTRY.get_sample_value("fdcs_command_conflicts_total") or 0) == conflicts


def conflicts() -> float:
    return REGISTRY.get_sample_value("fdcs_command_conflicts_total") or 0


def test_a_conflict_forgets_the_stale_streams_so_the_batch_decided_again_commits(store: EventStore) -> None:
    """A handler's load the batch did not declare trusts the cache; after a conflict, the streams
    it wrote are read from the store, so the batch commits at its second try (before, it met the
    same stale state again and every command ran alone)."""
    here, elsewhere = CommandProcessor(store), CommandProcessor(store)
    here.execute_now(take_place("b1", "x"), context())
    elsewhere.execute_now(take_place("b1", "y"), context())  # `here` still caches version 1
    before = conflicts()

    decided = here.execute_now(take_place("b1", "z"), context())  # undeclared: read from the cache

    assert decided.result == {"taken": 3, "version": 3}
    assert conflicts() - before == 1


def test_processes_that_kept_conflicting_take_turns_reading_on_from_what_they_cached(store: EventStore) -> None:
    """In its turn (after two conflicts), a batch reads on from the cached version even what it
    did not declare: the others appended meanwhile, and their turn is over."""
    here, elsewhere = CommandProcessor(store), CommandProcessor(store)
    here.execute_now(take_place("b1", "x"), context())
    elsewhere.execute_now(take_place("b1", "y"), context())
    here._turns_until = float("inf")  # as after two conflicts
    before = conflicts()

    decided = here.execute_now(take_place("b1", "z"), context())

    assert decided.result == {"taken": 3, "version": 3}
    assert conflicts() == before


def test_two_processes_writing_the_same_streams_all_the_time_each_command_once(store: EventStore) -> None:
    """Two consumers feeding commands on the same boxes in batches, at once: they conflict, take
    turns, and every command is decided once (each box's places in order, none twice)."""
    boxes, rounds = [f"b{i}" for i in range(4)], 30
    done: list[Outcome | BaseException] = []

    def feed(name: str) -> None:
        processor = CommandProcessor(store)
        for r in range(rounds):
            batch = [(take_place(box, f"{name}{r}"), context()) for box in boxes]
            done.extend(processor.execute_all_now(batch))
        processor.close()

    threads = [threading.Thread(target=feed, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(isinstance(d, Outcome) for d in done) == len(boxes) * CAPACITY
    assert all(isinstance(d, BoxFull) for d in done if not isinstance(d, Outcome))
    for box in boxes:
        assert [e.version for e in store.read(f"box-{box}")] == list(range(1, CAPACITY + 1))


def test_a_processor_gives_its_connections_back_when_it_stops(postgres_url: str, store: EventStore) -> None:
    def connections() -> int:
        with psycopg.connect(postgres_url) as conn:
            found = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(found.fetchone()[0])  # type: ignore[index]

    async def serve() -> tuple[int, int]:
        processor = CommandProcessor(store)
        processor.start()
        await processor.execute(take_place("b1", "x"), context())
        serving = connections()
        await processor.stop()
        return serving, connections()

    serving, stopped = asyncio.run(serve())
    threaded = CommandProcessor(store)
    threaded.execute_now(take_place("b1", "y"), context())
    before_close = connections()
    threaded.close()

    assert stopped == serving - 2  # a loop's two: the statements' and the append's
    assert connections() == before_close - 2
