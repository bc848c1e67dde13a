"""Paged reads: a page's size and where it starts, the previous page's `next_cursor` (the JSON of
its last item's position, opaque to callers), so a page's memory does not grow with the province."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Query

from shared.web.problems import Problem

T = TypeVar("T")


@dataclass(frozen=True)
class PageOf:
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None
    limit: Annotated[int, Query(ge=1, le=1000)] = 500


def cursor_of(position: object) -> str:
    return json.dumps(position)


def position_of(cursor: str, shape: Callable[[Any], T]) -> T:
    """The position a cursor names, as `shape` makes it of its JSON (raising ValueError or
    TypeError for another shape): 400 bad-cursor for anything but a cursor this API returned."""
    try:
        return shape(json.loads(cursor))
    except (ValueError, TypeError):
        raise Problem(400, "bad-cursor", "cursor must be the next_cursor of a page this API returned") from None
