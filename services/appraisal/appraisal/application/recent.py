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


@dataclass(frozen=True)
class _Kept(Generic[V]):
    stamp: Hashable
    value: V


class Recent(Generic[V]):
    """The `size` most recently used reads, by what they read and their as-of."""

    def __init__(self, size: int) -> None:
        self._size, self._lock = size, threading.Lock()
        self._kept = OrderedDict[tuple[Hashable, datetime], _Kept[V]]()

    def recall(self, key: Hashable, as_of: datetime, unchanged: Unchanged) -> V | None:
        """The latest read of `key` as of A ≤ `as_of`, if it still holds."""
        with self._lock:
            earlier = [(a, kept) for (k, a), kept in self._kept.items() if k == key and a <= as_of]
        if not earlier:
            return None
        since, kept = max(earlier, key=lambda found: found[0])
        if not unchanged(kept.stamp, since, as_of):
            with self._lock:
                self._kept.pop((key, since), None)
            return None
        with self._lock:
            if (key, since) in self._kept:
                self._kept.move_to_end((key, since))
        return kept.value

    def keep(self, key: Hashable, as_of: datetime, stamp: Hashable, value: V) -> None:
        with self._lock:
            self._kept[(key, as_of)] = _Kept(stamp, value)
            self._kept.move_to_end((key, as_of))
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


class Latest(Generic[V]):
    """The latest read of each of the `size` views most recently read, for the next read of
    a view to count from (a city's counts are megabytes: a few are kept)."""

    def __init__(self, size: int) -> None:
        self._size, self._lock = size, threading.Lock()
        self._kept = OrderedDict[Hashable, V]()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._kept.get(key)

    def keep(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
