"""What every `EventStore` must do, as one test class each back end subclasses (as the
`eventsourcing` library tests its recorders), and the two back ends as mixins giving the
fixture `stores`: a function opening a fresh store. A service's handler tests are written
once, against `stores`, and run in memory and on PostgreSQL by two small subclasses:

    class TestMemoryStore(InMemory, EventStoreContract): ...
    class TestPostgresStore(OnPostgres, EventStoreContract): ...
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from shared.commands import CommandContext, CommandProcessor, IdempotencyKeyReused, Session
from shared.commands.processor import RECEIPT_TYPE
from shared.domain import Personal
from shared.eventstore import EventMeta, EventStore, NewEvent, StreamConflict, open_memory, open_store
from shared.eventstore.cipher import ERASED
from shared.eventstore.sealing import PersonalFields
from shared.eventstore.streams import EventTypes, StreamType

OpenStore = Callable[..., EventStore]  # (personal: PersonalFields | None = None) -> a fresh, empty store
META = EventMeta("e", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), "corr", "cause", "tester")
SECRET = "Li Siguang"


@dataclass(frozen=True)
class Counted:
    by: str


@dataclass(frozen=True)
class Named:
    resident_ref: str
    name: Personal


EVENTS = EventTypes("contract")
EVENTS.register(Counted)
EVENTS.register(Named)
COUNTERS: StreamType[int] = StreamType("counter", 0, lambda n, _: n + 1, EVENTS)


def event(stream: str, version: int, n: int = 0) -> NewEvent:
    return NewEvent(stream, version, "test.Happened.v1", {"n": n}, META)


def named(stream: str, version: int, ref: str) -> NewEvent:
    return NewEvent(stream, version, *EVENTS.encode(Named(ref, SECRET)), META)


def count(by: str) -> Callable[[Session], dict[str, Any]]:
    def handle(session: Session) -> dict[str, Any]:
        n, version = session.record(COUNTERS, "c1", Counted(by))
        return {"n": n, "version": version}

    return handle


def context(key: str, fingerprint: str = "f") -> CommandContext:
    return CommandContext("tester", key, fingerprint, "corr", "cause", datetime(2026, 3, 1, tzinfo=UTC))


class InMemory:
    """Stores in this process's memory: no server, a test in milliseconds."""

    @pytest.fixture
    def stores(self) -> OpenStore:
        return lambda personal=None: open_memory(personal)


class OnPostgres:
    """Stores on the session's PostgreSQL, each in a fresh schema, closed after the test."""

    @pytest.fixture
    def stores(self, postgres_url: str) -> Iterator[OpenStore]:
        opened: list[EventStore] = []

        def open_one(personal: PersonalFields | None = None) -> EventStore:
            opened.append(open_store(postgres_url, f"t_{uuid.uuid4().hex[:12]}", personal=personal))
            return opened[-1]

        yield open_one
        for store in opened:
            store.close()


class EventStoreContract:
    """Subclasses provide the fixture `stores` (`InMemory`, `OnPostgres`)."""

    @pytest.fixture
    def store(self, stores: OpenStore) -> EventStore:
        return stores()

    @pytest.fixture
    def sealed(self, stores: OpenStore) -> EventStore:
        return stores(PersonalFields(os.urandom(32), EVENTS.personal_paths))

    def test_a_stream_reads_back_in_order_with_data_and_metadata(self, store: EventStore) -> None:
        store.append([event("a", 1, 10), event("a", 2, 20), event("b", 1, 30)])

        read = store.read("a")

        assert [(e.version, e.data["n"]) for e in read] == [(1, 10), (2, 20)]
        assert read[0].meta == META
        assert [e.version for e in store.read("a", after=1)] == [2]
        assert store.read("nobody") == []
        assert on_a_loop(store, store.read_async("a")) == read
        assert on_a_loop(store, store.read_async("nobody")) == []

    def test_a_conflicting_append_raises_stream_conflict_and_writes_nothing(self, store: EventStore) -> None:
        store.append([event("a", 1)])

        with pytest.raises(StreamConflict):
            store.append([event("b", 1), event("a", 1, 99)])

        async def conflicting_then_not() -> None:  # on one connection: the failed transaction ended
            with pytest.raises(StreamConflict):
                await store.append_async([event("c", 1), event("a", 1, 98)])
            await store.append_async([event("d", 1)])

        on_a_loop(store, conflicting_then_not())

        assert store.read("b") == store.read("c") == []
        assert [e.data["n"] for e in store.read("a")] == [0]
        assert [e.version for e in store.read("d")] == [1]

    def test_the_log_has_no_gaps_and_resumes_by_position(self, store: EventStore) -> None:
        store.append([event("a", 1), event("b", 1)])
        on_a_loop(store, store.append_async([event("a", 2)]))

        log = store.read_log(after=0, limit=10)

        assert [(e.stream_id, e.version, e.position) for e in log] == [("a", 1, 1), ("b", 1, 2), ("a", 2, 3)]
        assert [(e.stream_id, e.version) for e in store.read_log(after=2, limit=10)] == [("a", 2)]
        assert len(store.read_log(after=0, limit=2)) == 2
        assert store.last_position() == 3

    def test_a_relay_reads_only_the_types_it_publishes_and_stands_after_the_others(self, store: EventStore) -> None:
        store.append([event("a", 1, 1), NewEvent("b", 1, "test.Kept.v1", {}, META), event("a", 2, 2)])
        store.append([NewEvent("b", 2, "test.Kept.v1", {}, META)])

        first, rest = store.read_log_of(0, 2, {"test.Happened.v1"}), store.read_log_of(2, 10, {"test.Happened.v1"})

        assert ([e.data["n"] for e in first.events], first.entries, first.last) == ([1], 2, 2)
        assert ([(e.data["n"], e.position) for e in rest.events], rest.entries, rest.last) == ([(2, 3)], 2, 4)
        assert store.read_log_of(4, 10, {"test.Happened.v1"}) == ([], 0, 4)

    def test_a_relay_s_events_hold_no_personal_value(self, sealed: EventStore) -> None:
        sealed.append([named("n-1", 1, "r1"), NewEvent("n-2", 1, *EVENTS.encode(Counted("x")), META)])

        page = sealed.read_log_of(0, 10, {EVENTS.encode(Named("r", ""))[0]})

        assert [e.data for e in page.events] == [{"resident_ref": "r1", "name": ERASED}]
        assert [e.data["name"] for e in sealed.read_log(0, 10)[:1]] == [SECRET]  # opened for everyone else

    def test_many_streams_read_at_once_each_in_order(self, store: EventStore) -> None:
        store.append([event("b", 1), event("a", 1), event("b", 2)])

        found = store.read_many(["a", "b", "none"])
        found_async = on_a_loop(store, store.read_many_async(["a", "b", "none"]))

        for streams in (found, found_async):
            assert {s: [e.version for e in events] for s, events in streams.items()} == {
                "a": [1],
                "b": [1, 2],
                "none": [],
            }

    def test_a_reader_keeps_its_position(self, store: EventStore) -> None:
        assert store.tracked("relay") == 0
        store.track("relay", 5)
        store.track("relay", 9)
        assert store.tracked("relay") == 9
        assert store.tracked("other") == 0

    def test_the_batch_path_closes_and_reopens_on_demand(self, store: EventStore) -> None:
        async def append_close_append() -> None:
            await store.append_async([event("a", 1)])
            await store.close_batch_path()
            await store.append_async([event("a", 2)])
            await store.close_batch_path()

        asyncio.run(append_close_append())

        assert [e.version for e in store.read("a")] == [1, 2]

    def test_a_name_is_held_by_one_holder_at_a_time(self, store: EventStore) -> None:
        got: list[str] = []

        def second() -> None:
            with store.exclusive("relay") as held:
                got.append("second" if held() else "lost")

        with store.exclusive("relay") as held:
            waiting = threading.Thread(target=second)
            waiting.start()
            waiting.join(0.3)
            assert held() and got == [], "the second holder waits"
        waiting.join(5)

        assert got == ["second"]

    def test_personal_fields_are_sealed_and_read_back_plain(self, sealed: EventStore) -> None:
        sealed.append([named("n-1", 1, "r1")])
        on_a_loop(sealed, sealed.append_async([named("n-2", 1, "r2")]))

        assert sealed.read("n-1")[0].data == {"resident_ref": "r1", "name": SECRET}
        assert [e.data["name"] for e in sealed.read_log(0, 10)] == [SECRET, SECRET]
        assert on_a_loop(sealed, sealed.read_many_async(["n-2"]))["n-2"][0].data["name"] == SECRET
        assert sealed.read_many(["n-1"])["n-1"][0].data["name"] == SECRET

    def test_erasure_shreds_what_was_sealed_for_the_resident_and_what_comes_after(self, sealed: EventStore) -> None:
        sealed.append([named("n-1", 1, "r1"), named("n-9", 1, "r9")])
        assert sealed.sealer is not None

        sealed.sealer.vault.erase("r1", "resident_request", datetime(2026, 2, 1, tzinfo=UTC))
        sealed.sealer.vault.erase("r1", "again", datetime(2026, 2, 2, tzinfo=UTC))
        sealed.append([named("n-1", 2, "r1")])

        assert [e.data["name"] for e in sealed.read("n-1")] == [ERASED, ERASED]
        assert sealed.read("n-9")[0].data["name"] == SECRET
        assert sealed.sealer.vault.keys(["r1"], create=True) == {"r1": None}, "never a key again"

    def test_a_command_is_recorded_once_with_its_receipt_and_replayed(self, store: EventStore) -> None:
        key = str(uuid.uuid4())
        first = CommandProcessor(store).execute_now(count("x"), context(key))

        again = CommandProcessor(store).execute_now(count("x"), context(key))  # another process
        with pytest.raises(IdempotencyKeyReused):
            CommandProcessor(store).execute_now(count("x"), context(key, fingerprint="other"))

        assert (first.result, again.result, again.replayed) == ({"n": 1, "version": 1}, first.result, True)
        assert [e.type for e in store.read_log(0, 10)] == [EVENTS.encode(Counted("x"))[0], RECEIPT_TYPE]

    def test_commands_racing_in_two_processes_each_count_once(self, store: EventStore) -> None:
        """A batch decided on a stale cached state conflicts, and each command runs again alone."""
        here, there = CommandProcessor(store), CommandProcessor(store)

        async def race() -> list[Any]:
            await here.execute(count("warm"), context(str(uuid.uuid4())))  # `here` caches version 1
            await asyncio.to_thread(there.execute_now, count("elsewhere"), context(str(uuid.uuid4())))
            batch = [here.execute(count(f"r{i}"), context(str(uuid.uuid4()))) for i in range(3)]
            try:
                return list(await asyncio.gather(*batch))
            finally:
                await here.stop()

        results = asyncio.run(race())
        there.close()

        assert sorted(r.result["n"] for r in results) == [3, 4, 5]
        assert [e.version for e in store.read("counter-c1")] == [1, 2, 3, 4, 5]


def on_a_loop(store: EventStore, work: Coroutine[Any, Any, T]) -> T:
    """Store work run to its end on an event loop of its own, whose connections are then given back."""

    async def run() -> T:
        try:
            return await work
        finally:
            await store.close_batch_path()

    return asyncio.run(run())


T = TypeVar("T")
