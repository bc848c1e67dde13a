"""Read models: own-log followers, partner feeds and batches copied in."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    all_,
    any_,
    bindparam,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from shared.eventstore import EventMeta, EventStore, NewEvent, RecordedEvent, open_store
from shared.messaging import Message
from shared.readmodels import LogFollower, PartnerFeed, Positions, open_engine
from shared.readmodels.arriving import Arriving, copy_into
from shared.readmodels.together import together


@pytest.fixture
def backends(postgres_url: str) -> tuple[str, str]:
    """The store's and the views' URLs (the same server, as in production)."""
    return postgres_url, postgres_url


METADATA = MetaData()
POSITIONS = Positions(METADATA)
COUNTS = Table("counts", METADATA, Column("stream", String(50), primary_key=True), Column("n", Integer))
FEED = PartnerFeed(METADATA, "hospitals", "fdcs.test.hospital.")


def count(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    for e in events:
        statement = insert(COUNTS).values(stream=e.stream_id, n=1)
        conn.execute(statement.on_conflict_do_update(index_elements=["stream"], set_={"n": COUNTS.c.n + 1}))


def append(store: EventStore, stream: str, versions: range) -> None:
    meta = EventMeta("e", datetime.now(UTC), "c", "c", "t")
    store.append([NewEvent(stream, v, "test.Happened.v1", {}, meta) for v in versions])


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {s: n for s, n in conn.execute(select(COUNTS.c.stream, COUNTS.c.n))}


def test_a_follower_applies_each_event_once_resumes_and_rebuilds(backends: tuple[str, str], schema: str) -> None:
    store = open_store(backends[0], schema)
    engine = open_engine(backends[1], schema, METADATA)
    follower = LogFollower(store, engine, POSITIONS, "counts", count, batch_size=2)
    append(store, "a", range(1, 4))
    append(store, "b", range(1, 2))

    follower.catch_up()
    follower.catch_up()
    append(store, "b", range(2, 3))
    LogFollower(store, engine, POSITIONS, "counts", count).catch_up()  # a restarted process
    live = counts(engine)
    follower.rebuild([COUNTS])

    assert live == {"a": 3, "b": 2}
    assert counts(engine) == live


def test_a_running_follower_with_nothing_new_asks_only_the_logs_head_and_its_position_each_second(
    backends: tuple[str, str], schema: str
) -> None:
    store = open_store(backends[0], schema)
    engine = open_engine(backends[1], schema, METADATA)
    looked: list[str] = []
    follower = LogFollower(store, engine, POSITIONS, "counts", count)
    follower.follow_once = lambda: looked.append("position") or LogFollower.follow_once(follower)  # type: ignore[method-assign]
    append(store, "a", range(1, 3))
    stop = threading.Event()
    running = threading.Thread(target=follower.run, args=(stop, 0.01))
    running.start()
    try:
        _until(lambda: len(looked) == 1)
        time.sleep(0.5)  # about 50 looks, of which only the first asks the position
        idle = len(looked)
        append(store, "b", range(1, 2))
        _until(lambda: counts(engine) == {"a": 2, "b": 1})  # an append is applied within a few looks
        time.sleep(1.2)
    finally:
        stop.set()
        running.join()

    assert idle == 1
    assert 3 <= len(looked) <= 6  # and the position is asked again at least once a second


def test_a_process_s_followers_in_step_read_each_batch_of_the_log_once(backends: tuple[str, str], schema: str) -> None:
    store = open_store(backends[0], schema)
    engine = open_engine(backends[1], schema, METADATA)
    reads: list[int] = []
    read_log = store.read_log
    store.read_log = lambda after, limit: reads.append(after) or read_log(after, limit)  # type: ignore[method-assign]
    followers = [LogFollower(store, engine, POSITIONS, name, count, batch_size=2) for name in ("one", "two", "three")]
    append(store, "a", range(1, 4))
    for follower in followers:  # as each runs: a batch, then what is left
        follower.follow_once()
        follower.follow_once()
    append(store, "a", range(4, 5))  # past what was read: the next follower reads again
    followers[0].catch_up()

    assert reads == [0, 2, 3]
    assert counts(engine) == {"a": 3 * 3 + 1}


def test_a_follower_whose_position_something_else_moved_applies_from_there(
    backends: tuple[str, str], schema: str
) -> None:
    store = open_store(backends[0], schema)
    engine = open_engine(backends[1], schema, METADATA)
    follower = LogFollower(store, engine, POSITIONS, "counts", count)
    append(store, "a", range(1, 3))
    follower.catch_up()
    with engine.begin() as conn:  # a restore from before the second event, while it runs
        POSITIONS.set(conn, "counts", 1)
        conn.execute(COUNTS.update().values(n=1))
    append(store, "b", range(1, 2))

    assert follower.follow_once() == 0  # it finds its position moved, and writes nothing over it
    follower.catch_up()
    assert counts(engine) == {"a": 2, "b": 1}


def _until(done: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not within 10 s"
        time.sleep(0.01)


def message(partner: str, event_id: str | None = None) -> Message:
    envelope = {"id": event_id or str(uuid.uuid4()), "type": "test.Happened.v1"}
    return Message(f"fdcs.test.hospital.{partner}", "k", json.dumps(envelope).encode())


def test_a_partner_reads_only_its_own_feed_and_resumes_without_gap_or_duplicate(
    backends: tuple[str, str], schema: str
) -> None:
    engine = open_engine(backends[1], schema, METADATA)
    mine = [message("H1") for _ in range(5)]
    with engine.begin() as conn:
        FEED.add(conn, [mine[0], message("H2"), mine[1], Message("fdcs.other", "k", b"{}"), mine[2]])
        FEED.add(conn, [mine[2], mine[3], mine[4], message("H2")])  # a re-published one, and more

    with engine.connect() as conn:
        first = FEED.page(conn, "H1", after=0, limit=2)
        rest = FEED.page(conn, "H1", after=first["next_after"], limit=100)
        done = FEED.page(conn, "H1", after=rest["next_after"], limit=100)
        other = FEED.page(conn, "H2", after=0, limit=100)

    read = [item["event"]["id"] for page in (first, rest) for item in page["items"]]
    assert read == [json.loads(m.value)["id"] for m in mine]
    assert done == {"items": [], "next_after": rest["next_after"]}
    assert len(other["items"]) == 2


def test_rows_copied_in_are_merged_and_gone_at_commit_and_a_rollback_does_not_lose_the_table(
    backends: tuple[str, str], schema: str
) -> None:
    engine = open_engine(backends[1], schema, METADATA, pool_size=1)  # one connection: each batch reuses it
    arriving = Arriving.like(COUNTS)
    merge = insert(COUNTS).from_select(arriving.names, select(*arriving.table.c))
    merge = merge.on_conflict_do_update(index_elements=["stream"], set_={"n": COUNTS.c.n + merge.excluded.n})

    def batch(rows: list[tuple[str, int]], fail: bool = False) -> None:
        with engine.begin() as conn:
            arriving.copy_in(conn, rows)
            conn.execute(merge)
            if fail:
                raise RuntimeError("the batch fails after its table was created")

    with pytest.raises(RuntimeError):
        batch([("a", 1)], fail=True)  # its connection's first batch: the table's creation is undone
    batch([("a", 1), ("b", 2)])
    batch([("a", 5)])  # the previous batch's rows are gone with its commit

    assert counts(engine) == {"a": 6, "b": 2}


def test_rows_copied_in_binary_keep_their_text_instants_and_bigints(backends: tuple[str, str], schema: str) -> None:
    engine = open_engine(backends[1], schema, METADATA)
    arriving = Arriving("arriving_binary", [("name", "text"), ("at", "timestamptz"), ("n", "bigint")], binary=True)
    rows = [
        ("a\tb \\ 甲", datetime(2026, 3, 1, 16, 0, 0, 1, tzinfo=UTC), -(2**40)),
        ("", datetime.max.replace(tzinfo=UTC), 0),
    ]
    with engine.begin() as conn:
        arriving.copy_in(conn, rows)
        found = [tuple(r) for r in conn.execute(select(*arriving.table.c).order_by(arriving.table.c.n))]

    assert found == sorted(rows, key=lambda r: r[2])
    with pytest.raises(ValueError, match="binary"):
        Arriving("arriving_typed", [("n", Integer())], binary=True)


NOTES = Table(
    "notes", METADATA, Column("id", String(20), primary_key=True), Column("about", JSON), Column("n", Integer)
)


def test_rows_copied_straight_into_a_table_keep_their_json_and_nulls(backends: tuple[str, str], schema: str) -> None:
    engine = open_engine(backends[1], schema, METADATA)
    rows = [
        {"id": "a", "about": {"kinds": ["x", "y"], "quote": 'say "hi"\t\\'}, "n": 1},
        {"id": "b", "about": [], "n": None},
    ]
    with engine.begin() as conn:
        copy_into(conn, NOTES, rows)
        copy_into(conn, NOTES, [])

    with engine.connect() as conn:
        assert [dict(r._mapping) for r in conn.execute(select(NOTES).order_by(NOTES.c.id))] == rows


def test_queries_sent_together_give_what_each_gives_alone(backends: tuple[str, str], schema: str) -> None:
    engine = open_engine(backends[1], schema, METADATA)
    names = bindparam("names", type_=ARRAY(Text))
    queries = [
        select(COUNTS.c.stream, COUNTS.c.n).where(COUNTS.c.stream == any_(names)).order_by(COUNTS.c.stream),
        select(COUNTS.c.n).where(COUNTS.c.stream != all_(names), COUNTS.c.n < bindparam("below")).order_by(COUNTS.c.n),
        select(COUNTS.c.stream).where(COUNTS.c.n > 99),  # no rows
    ]
    with engine.begin() as conn:
        conn.execute(insert(COUNTS), [{"stream": s, "n": n} for s, n in (("a", 1), ("b", 2), ("c", 3), ("d", 4))])
    for params in ({"names": ["b", "d"], "below": 4}, {"names": [], "below": 10}):
        with engine.begin() as conn:
            found = together(conn, queries, params)
            alone = [[tuple(r) for r in conn.execute(q, params)] for q in queries]

        assert found == alone
    assert found[1] == [(1,), (2,), (3,), (4,)]


def test_writes_sent_with_reads_take_effect_in_their_order_and_give_no_rows(
    backends: tuple[str, str], schema: str
) -> None:
    engine = open_engine(backends[1], schema, METADATA)
    names = bindparam("names", type_=ARRAY(Text))
    adding = insert(COUNTS).from_select(["stream", "n"], select(func.unnest(names), literal(7)))
    queries = [
        select(func.count()).select_from(COUNTS).where(COUNTS.c.stream == any_(names)),
        adding.on_conflict_do_nothing(),
        select(COUNTS.c.stream, COUNTS.c.n).where(COUNTS.c.stream == any_(names)).order_by(COUNTS.c.stream),
    ]
    with engine.begin() as conn:  # the pipeline's first statement begins the transaction
        found = together(conn, queries, {"names": ["w1", "w2"]})

    assert found == [[(0,)], [], [("w1", 7), ("w2", 7)]]
    with engine.connect() as conn:
        assert conn.execute(select(COUNTS.c.n).where(COUNTS.c.stream == "w2")).scalar() == 7
