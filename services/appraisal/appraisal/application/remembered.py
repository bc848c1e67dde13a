"""Appraisals remembered between requests: a dashboard polls the same view every few seconds,
and each poll would otherwise read every fact and compute every indicator again.

A remembered appraisal was computed as of some moment from the facts at some version (its
`mark`). It answers a later as-of too while two things hold: the as-of is before `until` (the
next moment a fact already recorded becomes known, a new day begins, or a pending referral's
target passes), and no fact recorded since its mark was known by that as-of. So it answers
exactly what computing again would, and any new fact that could matter is seen at once.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class Mark:
    """Which facts an appraisal was computed from: their version, within an epoch that starts
    again when they do (a rebuild)."""

    epoch: str = ""
    version: int = 0


KnownSince = Callable[[Mark], datetime | None]
"""The earliest time any fact recorded after the mark was known (None: nothing was recorded)."""


@dataclass(frozen=True)
class Remembered(Generic[V]):
    value: V
    mark: Mark
    since: datetime
    """The as-of it was computed for."""
    until: datetime | None
    """It holds for as-ofs before then, unless later facts were known by them (None: no limit)."""

    def answers(self, as_of: datetime) -> bool:
        return self.since <= as_of and (self.until is None or as_of < self.until)


class Memory(Generic[V]):
    """The most recently used appraisals, `size` at most, under keys naming what they appraise."""

    def __init__(self, size: int) -> None:
        self._size, self._entries = size, OrderedDict[tuple[Hashable, datetime], Remembered[V]]()
        self._lock, self._computing = threading.Lock(), dict[Hashable, tuple[threading.Lock, int]]()

    def recall(self, key: Hashable, as_of: datetime, known_since: KnownSince) -> V | None:
        with self._lock:
            candidates = [(k, r) for k, r in self._entries.items() if k[0] == key and r.answers(as_of)]
        for k, r in candidates:
            changed = known_since(r.mark)
            with self._lock:
                if changed is not None and changed <= as_of:
                    self._entries.pop(k, None)  # a fact it did not see was known by then
                elif k in self._entries:
                    self._entries.move_to_end(k)
                    return r.value
        return None

    def remember(self, key: Hashable, remembered: Remembered[V]) -> None:
        with self._lock:
            self._entries[(key, remembered.since)] = remembered
            self._entries.move_to_end((key, remembered.since))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    @contextmanager
    def computing(self, key: Hashable) -> Iterator[None]:
        """One computation of a key at a time: polls arriving meanwhile wait, then find it remembered."""
        with self._lock:
            lock, waiting = self._computing.get(key) or (threading.Lock(), 0)
            self._computing[key] = (lock, waiting + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, waiting = self._computing[key]
                if waiting == 1:
                    del self._computing[key]  # keys come from requests: keep none no one waits on
                else:
                    self._computing[key] = (lock, waiting - 1)


_paused = 0
_pausing = threading.Lock()


@contextmanager
def collecting_later() -> Iterator[None]:
    """Python's cycle collector rescans every live object whenever enough new ones pile up;
    reading and appraising a year makes hundreds of thousands of objects that form no cycles,
    and those rescans took half the time. Reference counting still frees them; cycles wait."""
    global _paused  # the collector is the process's: so is the count of pauses
    with _pausing:
        _paused += 1
        gc.disable()
    try:
        yield
    finally:
        with _pausing:
            _paused -= 1
            if not _paused:
                gc.enable()
