"""Snapshots of long streams: a process that has not cached a stream reads its last snapshot
and the events after it, and decides exactly as on the whole stream."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest

from shared.commands import CommandContext, CommandProcessor, Session, Work
from shared.domain import PERSONAL
from shared.eventstore import EventStore, open_memory
from shared.eventstore.snapshots import Snapshot, Snapshots
from shared.eventstore.streams import EventTypes, StreamType, read_state, read_states


@dataclass(frozen=True)
class Taken:
    by: str


@dataclass(frozen=True)
class Shelf:
    taken: int = 0
    last: str | None = None
    by_initial: dict[str, int] | None = None


def evolve(shelf: Shelf, event: Taken) -> Shelf:
    counts = dict(shelf.by_initial or {})
    counts[event.by[0]] = counts.get(event.by[0], 0) + 1
    return replace(shelf, taken=shelf.taken + 1, last=event.by, by_initial=counts)


EVENTS = EventTypes("snap")
EVENTS.register(Taken)
EVERY = 3
SHELVES: StreamType[Shelf] = StreamType(
    "shelf", Shelf(), evolve, EVENTS, snapshots=Snapshots.of(Shelf, "shelf.v1", EVERY)
)


def take(shelf: str, who: str) -> Any:
    def handle(session: Session) -> dict[str, Any]:
        state, version = session.record(SHELVES, shelf, Taken(who))
        return {"taken": state.taken, "version": version}

    return handle


def look(shelf: str, declared: bool = True) -> Any:
    """Declared: the batch reads the stream before deciding; else the handler's load does."""

    def handle(session: Session) -> dict[str, Any]:
        state, version = session.load(SHELVES, shelf)
        return {"state": state, "version": version}

    return Work(handle, reads=[(SHELVES, shelf)]) if declared else handle


def context() -> CommandContext:
    return CommandContext("tester", str(uuid.uuid4()), "f", "corr", "cause", datetime(2026, 3, 1, tzinfo=UTC))


def run(store: EventStore, work: Any) -> Any:
    async def go() -> Any:
        return (await CommandProcessor(store).execute(work, context())).result

    return asyncio.run(go())


def reads_after(store: EventStore, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, int]]:
    """What each read of a shelf asked of the store: from which version of each shelf."""
    asked: list[dict[str, int]] = []
    many, one = store.read_many_async, store.read

    async def read_many(stream_ids: Any, after: Any = None) -> Any:
        if shelves := {s: (after or {}).get(s, 0) for s in stream_ids if s.startswith("shelf")}:
            asked.append(shelves)
        return await many(stream_ids, after)

    def read(stream_id: str, after: int = 0) -> Any:
        asked.append({stream_id: after})
        return one(stream_id, after)

    monkeypatch.setattr(store, "read_many_async", read_many)
    monkeypatch.setattr(store, "read", read)
    return asked


@pytest.fixture(params=["postgres", "memory"])
def any_store(request: pytest.FixtureRequest) -> EventStore:
    return request.getfixturevalue("store") if request.param == "postgres" else open_memory()


def test_a_stream_is_kept_each_time_it_crosses_a_mark(any_store: EventStore) -> None:
    processor = CommandProcessor(any_store)
    for i in range(7):
        processor.execute_now(take("s1", f"p{i}"), context())

    kept = any_store.snapshots(["shelf-s1"]).get("shelf-s1")

    assert kept is not None and kept.version == 6
    assert (
        SHELVES.snapshots is not None
        and SHELVES.snapshots.load(kept.state) == SHELVES.fold(any_store.read("shelf-s1")[:6])[0]
    )


@pytest.mark.parametrize("declared", [True, False], ids=["read-by-the-batch", "read-by-the-handler"])
def test_a_process_that_has_not_cached_a_stream_reads_its_snapshot_and_the_events_after_it(
    any_store: EventStore, monkeypatch: pytest.MonkeyPatch, declared: bool
) -> None:
    processor = CommandProcessor(any_store)
    for i in range(7):
        processor.execute_now(take("s1", f"{'ab'[i % 2]}{i}"), context())
    whole = SHELVES.fold(any_store.read("shelf-s1"))
    asked = reads_after(any_store, monkeypatch)

    seen = run(any_store, look("s1", declared))  # a new processor: nothing cached

    assert asked == [{"shelf-s1": 6}]
    assert (seen["state"], seen["version"]) == whole
    assert seen["state"].by_initial == {"a": 4, "b": 3}


def test_a_snapshot_of_another_shape_is_ignored_and_replaced(any_store: EventStore) -> None:
    processor = CommandProcessor(any_store)
    for i in range(4):
        processor.execute_now(take("s1", f"p{i}"), context())
    asyncio.run(any_store.keep_snapshots_async([Snapshot("shelf-s1", 4, "shelf.v0:old", b"not what this code reads")]))

    seen = run(any_store, look("s1"))
    for i in range(4, 6):
        CommandProcessor(any_store).execute_now(take("s1", f"p{i}"), context())

    assert (seen["state"].taken, seen["version"]) == (4, 4)
    kept = any_store.snapshots(["shelf-s1"]).get("shelf-s1")
    assert kept is not None and SHELVES.snapshots is not None and kept.shape == SHELVES.snapshots.shape


def test_a_long_stream_read_whole_is_kept_at_once() -> None:
    """A stream that grew before it was kept: the first process to read it whole keeps it, so
    the next reads from there, not from the start again."""
    store = open_memory()
    plain = replace(SHELVES, snapshots=None)

    def take_plain(i: int) -> Any:
        return lambda session: {"v": session.record(plain, "s1", Taken(f"p{i}")).version}

    for i in range(5):
        CommandProcessor(store).execute_now(take_plain(i), context())
    assert store.snapshots(["shelf-s1"]).get("shelf-s1") is None

    run(store, take("s1", "p5"))

    kept = store.snapshots(["shelf-s1"]).get("shelf-s1")
    assert kept is not None and kept.version == 6


def test_the_rule_is_a_mark_crossed_or_as_many_events_folded() -> None:
    rule = Snapshots.of(Shelf, "shelf.v1", 1000)

    assert rule.due(1000, 999, 0) and rule.due(2001, 1999, 0)
    assert not rule.due(1999, 1000, 0) and not rule.due(5, 0, 5)
    assert rule.due(1500, 1500, 1000)  # read whole: kept, though no mark was crossed


def test_a_state_holding_personal_data_is_not_kept() -> None:
    @dataclass(frozen=True)
    class Card:
        name: Annotated[str, PERSONAL]

    with pytest.raises(ValueError, match="personal"):
        Snapshots.of(Card | None, "card.v1")


def test_a_stream_folded_whole_is_not_kept() -> None:
    """A kept state of None would have `whole` take the events after the snapshot for all."""

    def whole(events: list[Any]) -> Shelf:
        return Shelf(taken=len(events))

    with pytest.raises(ValueError, match="whole"):
        StreamType("shelf", Shelf(), evolve, EVENTS, whole=whole, snapshots=Snapshots.of(Shelf, "shelf.v1"))


def test_the_shape_changes_with_the_state_s_fields() -> None:
    @dataclass(frozen=True)
    class Wider:
        taken: int = 0
        also: int = 0

    assert Snapshots.of(Shelf, "x.v1").shape != Snapshots.of(Wider, "x.v1").shape
    assert Snapshots.of(Shelf, "x.v1").shape != Snapshots.of(Shelf, "x.v2").shape


def test_a_read_starts_from_the_snapshot_too(any_store: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
    processor = CommandProcessor(any_store)
    for i in range(7):
        processor.execute_now(take("s1", f"p{i}"), context())
    whole = SHELVES.fold(any_store.read("shelf-s1"))
    asked = reads_after(any_store, monkeypatch)

    read = asyncio.run(read_state(any_store, SHELVES, "s1"))

    assert read == whole
    assert asked == [{"shelf-s1": 6}]


class Ids:
    """A class of the domain pydantic does not know (as billing's `ledger.Contracts`)."""

    def __init__(self, ids: list[str]) -> None:
        self._ids = dict.fromkeys(ids)

    def __iter__(self) -> Any:
        return iter(self._ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ids) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Period:
    ids: Ids
    by_period: dict[str, Ids]


def test_a_class_pydantic_does_not_know_is_kept_as_a_plain_type() -> None:
    kept = Snapshots.of(Period, "period.v1", kept_as={Ids: (list[str], list)})
    state = Period(Ids(["c2", "c1"]), {"2026-03": Ids(["c3"])})

    assert kept.dump(state) == b'{"ids":["c2","c1"],"by_period":{"2026-03":["c3"]}}'
    assert kept.load(kept.dump(state)) == state


def test_a_job_reads_many_streams_each_from_its_snapshot(
    any_store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    processor = CommandProcessor(any_store)
    for i in range(7):
        processor.execute_now(take("s1", f"p{i}"), context())
    processor.execute_now(take("s2", "q"), context())
    whole = {key: SHELVES.fold(any_store.read(f"shelf-{key}")) for key in ("s1", "s2", "s3")}
    asked: list[Any] = []
    many = any_store.read_many
    monkeypatch.setattr(any_store, "read_many", lambda ids, after=None: asked.append(after) or many(ids, after))

    found = read_states(any_store, SHELVES, ["s1", "s2", "s3"])

    assert found == whole
    assert asked == [{"shelf-s1": 6}]
