"""The latest figures read, kept for the polls that follow: a dashboard asks the same view as
of "now" every few seconds. What was read as of A answers a request as of B ≥ A exactly while
nothing it counts changed: no event applied since the read, and no change counted at an
instant in (A, B] (a day's turn is such a change). The source says which (`unchanged`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

V = TypeVar("V")
Unchanged = Callable[[Hashable, datetime, datetime], bool]
"""Whether nothing counted changed since the read stamped so, between two as-ofs."""


K = TypeVar("K", bound=Hashable)


class Bounded(Generic[K, V]):
    """The values used last, at most `size` of them and at most `budget` in weight (None: no
    bound) by `weigh` (a view's bytes, estimated): a city's reads are megabytes, and a larger
    city's larger, so a count alone would not bound the process's memory. A value heavier
    than the whole budget is not kept."""

    def __init__(self, size: int, budget: int | None = None, weigh: Callable[[V], int] = lambda _: 0) -> None:
        self._size, self._budget, self._weigh = size, budget, weigh
        self._lock, self._weight = threading.Lock(), 0
        self._kept = OrderedDict[K, tuple[V, int]]()

    @property
    def weight(self) -> int:
        return self._weight

    def get(self, key: K) -> V | None:
        with self._lock:
            if (found := self._kept.get(key)) is None:
                return None
            self._kept.move_to_end(key)
            return found[0]

    def held(self) -> list[K]:
        """The keys held, the least recently used first."""
        with self._lock:
            return list(self._kept)

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        with self._lock:
            self._drop(key)
            if self._budget is not None and weight > self._budget:
                return
            self._kept[key] = (value, weight)
            self._weight += weight
            while self._kept and (len(self._kept) > self._size or self._over()):
                self._drop(next(iter(self._kept)))  # the oldest first: dicts keep their order

    def pop(self, key: K) -> V | None:
        with self._lock:
            return self._drop(key)

    def _over(self) -> bool:
        return self._budget is not None and self._weight > self._budget

    def _drop(self, key: K) -> V | None:
        if (found := self._kept.pop(key, None)) is None:
            return None
        self._weight -= found[1]
        return found[0]


@dataclass(frozen=True)
class _Kept(Generic[V]):
    stamp: Hashable
    value: V


class Recent(Generic[V]):
    """The `size` most recently used reads (at most `budget` in weight), by what they read and their as-of."""

    def __init__(self, size: int, budget: int | None = None, weigh: Callable[[V], int] = lambda _: 0) -> None:
        self._kept = Bounded[tuple[Hashable, datetime], _Kept[V]](size, budget, lambda kept: weigh(kept.value))

    def recall(self, key: Hashable, as_of: datetime, unchanged: Unchanged) -> V | None:
        """The latest read of `key` as of A ≤ `as_of`, if it still holds."""
        earlier = [a for k, a in self._kept.held() if k == key and a <= as_of]
        if not earlier:
            return None
        since = max(earlier)
        if (kept := self._kept.get((key, since))) is None:
            return None
        if not unchanged(kept.stamp, since, as_of):
            self._kept.pop((key, since))
            return None
        return kept.value

    def keep(self, key: Hashable, as_of: datetime, stamp: Hashable, value: V) -> None:
        self._kept.put((key, as_of), _Kept(stamp, value))
