"""The dashboard's recent answers: bounded in number and in age, so neither many callers nor
many questions make it grow."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class Answers:
    """Least recently used first out; an answer older than `seconds` is not served."""

    def __init__(self, entries: int, seconds: float) -> None:
        self._entries, self._seconds = entries, seconds
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable) -> Any | None:
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept[0] >= self._seconds:
            self._kept.pop(key, None)
            return None
        self._kept.move_to_end(key)
        return kept[1]

    def put(self, key: Hashable, answer: Any) -> None:
        self._kept[key] = (time.monotonic(), answer)
        self._kept.move_to_end(key)
        while len(self._kept) > self._entries:
            self._kept.popitem(last=False)
