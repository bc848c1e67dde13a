"""Messages of several partitions released in time order (`TimeOrder`): pure, no broker."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.messaging.time_order import TimeOrder

A, B = ("contracts", 0), ("services", 0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nothing_leaves_past_what_a_partition_that_may_hold_more_has_shown() -> None:
    order: TimeOrder[str] = TimeOrder(budget=200, patience=1.0, clock=Clock())
    order.assign([A, B])
    for at in (1, 5, 9):
        order.add(A, at, f"a{at}")

    assert order.release() == []  # B may yet bring something earlier than 1
    order.add(B, 4, "b4")
    assert order.release() == [(A, "a1"), (B, "b4")]  # up to B's latest: 4
    order.reached_end(B)
    assert order.release() == [(A, "a5"), (A, "a9")]


def test_a_partition_with_nothing_to_show_holds_the_others_back_only_for_its_patience() -> None:
    clock = Clock()
    order: TimeOrder[str] = TimeOrder(budget=200, patience=1.0, clock=clock)
    order.assign([A, B])
    order.add(A, 3, "a3")
    clock.now = 0.9
    assert order.release() == []
    clock.now = 1.1
    assert order.release() == [(A, "a3")]


def test_the_time_spent_applying_what_left_does_not_count_against_a_partitions_patience() -> None:
    clock = Clock()
    order: TimeOrder[str] = TimeOrder(budget=200, patience=1.0, clock=clock)
    order.assign([A, B])
    order.add(A, 1, "a1")
    order.add(B, 2, "b2")
    assert order.release() == [(A, "a1")]  # A drained at 0; b2 waits: A may bring something before it
    clock.now = 3.0
    order.busy(3.0)  # applying a1 took 3 s: A's next messages may have been fetched meanwhile, not read
    order.add(B, 5, "b5")
    assert order.release() == []  # A has had no time to show them
    clock.now = 4.1  # 1.1 s of reading with A still silent
    assert order.release() == [(B, "b2"), (B, "b5")]


def test_an_item_without_a_time_leaves_with_the_one_before_it_and_each_partition_keeps_its_order() -> None:
    order: TimeOrder[str] = TimeOrder(budget=200, patience=1.0, clock=Clock())
    order.add(A, 2, "a2")
    order.add(A, None, "undecodable")
    order.add(A, 1, "a1, recorded earlier but published later")
    order.add(B, 1, "b1")
    order.reached_end(B)

    assert order.release() == [  # A has shown 2: what it brings next is not assumed earlier
        (B, "b1"),
        (A, "a2"),
        (A, "undecodable"),
        (A, "a1, recorded earlier but published later"),
    ]


def test_a_partition_far_ahead_is_crowded_until_half_drained() -> None:
    order: TimeOrder[int] = TimeOrder(budget=8, patience=1.0, clock=Clock())
    order.assign([A, B])
    for at in range(5):
        order.add(A, 10 + at, at)
    order.add(B, 11, 0)

    assert order.crowded() == {A} and B in order.roomy() and A not in order.roomy()
    order.release()  # up to 11: two of A's leave, three wait
    assert order.crowded() == set() and A not in order.roomy()
    order.reached_end(B)
    order.release()
    assert order.roomy() == {A, B} and len(order) == 0


def test_a_partition_taken_away_forgets_what_waits_of_it() -> None:
    order: TimeOrder[str] = TimeOrder(budget=200, patience=1.0, clock=Clock())
    order.add(A, 5, "a5")
    order.add(B, 1, "b1")
    order.forget([B])
    assert order.release() == [(A, "a5")]


Stream = st.lists(st.integers(0, 50), max_size=12).map(sorted)


@settings(max_examples=300, deadline=None)
@given(
    streams=st.lists(Stream, min_size=1, max_size=4),
    arrivals=st.lists(st.integers(0, 3), max_size=80),
    releases=st.sets(st.integers(0, 80)),
)
def test_every_item_leaves_once_and_in_time_order(
    streams: list[list[int]], arrivals: list[int], releases: set[int]
) -> None:
    """Partitions each in time order, read in any interleaving, released at any moments: each
    item leaves exactly once, all in time order (a partition ends only once all of it is read)."""
    order: TimeOrder[tuple[int, int]] = TimeOrder(budget=5 * len(streams), patience=10.0, clock=Clock())
    wheres = [("t", p) for p in range(len(streams))]
    order.assign(wheres)
    left = [list(enumerate(s)) for s in streams]
    out: list[tuple[tuple[str, int], tuple[int, int]]] = []

    def read(p: int) -> None:
        if left[p]:
            serial, at = left[p].pop(0)
            order.add(wheres[p], at, (at, serial))
        if not left[p]:
            order.reached_end(wheres[p])

    for step, p in enumerate([a % len(streams) for a in arrivals]):
        read(p)
        if step in releases:
            out += order.release()
    for p in range(len(streams)):  # the rest read, every partition to its end
        for _ in range(len(left[p]) or 1):
            read(p)
    out += order.release()

    assert sorted((w, item) for w, item in out) == sorted(
        (w, (at, serial)) for w, s in zip(wheres, streams, strict=True) for serial, at in enumerate(s)
    )
    assert [at for _, (at, _) in out] == sorted(at for _, (at, _) in out)
    serials = [[serial for where, (_, serial) in out if where == w] for w in wheres]
    assert serials == [sorted(s) for s in serials]


@settings(max_examples=300, deadline=None)
@given(streams=st.lists(st.lists(st.integers(0, 50), max_size=15), min_size=1, max_size=4), picks=st.randoms())
def test_partitions_out_of_time_order_and_paused_when_crowded_never_stall(streams: list[list[int]], picks: Any) -> None:
    """Times going back within a partition, and partitions paused while crowded (nothing more is
    read from them): every item still leaves, each partition in its own order."""
    order: TimeOrder[int] = TimeOrder(budget=3 * len(streams), patience=10.0, clock=Clock())
    wheres = [("t", p) for p in range(len(streams))]
    order.assign(wheres)
    left, paused = [list(enumerate(s)) for s in streams], set()
    out: list[tuple[tuple[str, int], int]] = []
    for step in range(10 * (sum(map(len, streams)) + len(streams))):
        readable = [p for p in range(len(streams)) if wheres[p] not in paused]
        if readable:  # in turn: a partition not paused is read again soon
            p = readable[step % len(readable)]
            if left[p]:
                serial, at = left[p].pop(0)
                order.add(wheres[p], at, serial)
            else:
                order.reached_end(wheres[p])
        if picks.random() < 0.5:
            out += order.release()
        paused = (paused | order.crowded()) - order.roomy()
    out += order.release()

    assert sorted(out) == sorted((w, serial) for w, s in zip(wheres, streams, strict=True) for serial in range(len(s)))
    assert all([n for where, n in out if where == w] == sorted(n for where, n in out if where == w) for w in wheres)
