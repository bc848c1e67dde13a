"""Messages of several partitions handed over in the order they were recorded, as far as
what has been read lets one know it.

Kafka orders each partition, not a topic nor several topics. A reader joining topics (the
appraisal: a resident's contracts, services and referrals) does its cheapest work when each
resident's facts come in the order they were recorded, but reading a backlog librdkafka hands
over thousands of one partition's messages at a time, so one topic runs months ahead of
another. As Kafka Streams synchronises a task's partitions by timestamp, messages wait here per
partition and leave in time order up to the *horizon*: the earliest of the latest times shown by
each partition that may hold more (not read to its end). Each partition's own order is kept; a
partition whose times go back (a producer's clock, or a backlog published county by county) only
makes the order less exact, never stops it: the partition with the earliest latest time can
always let its first message go.

A partition that may hold more yet has nothing waiting holds everything back, for at most
`patience` seconds of reading (the fetch is on its way, or the partition is slow: then the others
go on, and what it brings later is simply late, which the reader handles anyway, only more
slowly). The time the reader spends applying what left is not the partition's delay (`busy`):
counted, a batch applied in more than `patience` let every partition it had drained be passed
over at the next read, and a city's backlog came late by a third of its events' work.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
Where = tuple[str, int]
"""A topic's partition."""


@dataclass
class _Partition(Generic[T]):
    waiting: deque[tuple[int, int, T]] = field(default_factory=deque)  # (time, arrival, item)
    latest: int = -(2**63)  # the latest time it has shown: what it brings next is not assumed earlier
    at_end: bool = False
    empty_since: float = 0.0


class TimeOrder(Generic[T]):
    """`budget`: the messages that may wait, shared between the partitions held (a partition with
    its share or more should be paused): the memory it takes does not grow with the partitions."""

    def __init__(self, budget: int, patience: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._budget, self._patience, self._clock = budget, patience, clock
        self._partitions: dict[Where, _Partition[T]] = {}
        self._arrivals = 0

    def assign(self, wheres: Iterable[Where]) -> None:
        for where in wheres:
            self._partitions.setdefault(where, _Partition(empty_since=self._clock()))

    def forget(self, wheres: Iterable[Where]) -> None:
        """Partitions taken away (a rebalance): what waits of them will be read by their new owner."""
        for where in wheres:
            self._partitions.pop(where, None)

    def add(self, where: Where, at: int | None, item: T) -> None:
        """`at`: when it was recorded (any integer clock; None: unknown, it leaves with the one before it)."""
        partition = self._partitions.setdefault(where, _Partition())
        if at is None:
            at = partition.waiting[-1][0] if partition.waiting else -(2**63)
        partition.waiting.append((at, self._arrivals, item))
        partition.latest, partition.at_end = max(partition.latest, at), False
        self._arrivals += 1

    def reached_end(self, where: Where) -> None:
        """Everything the partition holds has been read (librdkafka's partition EOF)."""
        self._partitions.setdefault(where, _Partition(empty_since=self._clock())).at_end = True

    def release(self) -> list[tuple[Where, T]]:
        """What may leave now, in time order (arrival order among equal times)."""
        horizon, now = self._horizon(), self._clock()
        leaving: list[list[tuple[int, int, Where, T]]] = []
        for where, partition in self._partitions.items():
            waiting, out = partition.waiting, []
            while waiting and (horizon is None or waiting[0][0] <= horizon):
                at, arrival, item = waiting.popleft()
                out.append((at, arrival, where, item))
                if not waiting:
                    partition.empty_since = now
            leaving.append(out)
        # Merged by their heads: each partition's own order stays, even where its times do not.
        merged = heapq.merge(*leaving, key=lambda x: (x[0], x[1]))
        return [(where, item) for _, _, where, item in merged]

    def busy(self, seconds: float) -> None:
        """The reader was away for `seconds` (applying what left): the partitions with nothing
        waiting could not have shown anything meanwhile, so their patience does not run."""
        for partition in self._partitions.values():
            if not partition.waiting:
                partition.empty_since += seconds

    def _horizon(self) -> int | None:
        """None: no partition holds anything back."""
        now, horizon = self._clock(), None
        for partition in self._partitions.values():
            if partition.at_end:
                continue
            if partition.waiting:
                latest = partition.latest  # not its last one's: a partition slightly out of order must not stall
            elif now - partition.empty_since < self._patience:
                latest = -(2**63)  # it may bring something earlier than all that waits
            else:
                continue
            horizon = latest if horizon is None else min(horizon, latest)
        return horizon

    @property
    def _share(self) -> int:
        return max(2, self._budget // max(1, len(self._partitions)))

    def crowded(self) -> set[Where]:
        """Partitions with their share of the budget or more waiting (to pause)."""
        return {w for w, p in self._partitions.items() if len(p.waiting) >= self._share}

    def roomy(self) -> set[Where]:
        """Partitions with less than half their share waiting (a paused one may resume)."""
        return {w for w, p in self._partitions.items() if len(p.waiting) < self._share // 2}

    def state(self) -> str:
        """For a log line: each partition's waiting count and whether at its end."""
        return " ".join(
            f"{t}[{n}]:{len(p.waiting)}{'E' if p.at_end else ''}" for (t, n), p in sorted(self._partitions.items())
        )

    def __len__(self) -> int:
        return sum(len(p.waiting) for p in self._partitions.values())
