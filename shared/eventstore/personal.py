"""Where an event's personal fields are in its stored JSON, found from the domain's marks.

A domain marks a field personal by its type (`shared.domain.Personal`); this module reads
the marks once per event class, through nested dataclasses, tuples and optionals, so no
list of fields is kept by hand.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from shared.domain import PERSONAL

Path = tuple[str, ...]  # keys from the event's data; "*" stands for every element of a list
EVERY = "*"


def personal_paths(cls: type) -> tuple[Path, ...]:
    """The paths of the personal fields of the dataclass `cls`."""
    return tuple(dict.fromkeys(_paths(cls, ())))


def _paths(hint: Any, at: Path) -> list[Path]:
    origin = get_origin(hint)
    if origin is Annotated:
        marked = any(mark is PERSONAL for mark in hint.__metadata__)
        return [at] if marked else _paths(get_args(hint)[0], at)
    if origin in (Union, types.UnionType):
        return [path for arg in get_args(hint) for path in _paths(arg, at)]
    if origin is tuple:
        return [path for arg in get_args(hint) if arg is not Ellipsis for path in _paths(arg, (*at, EVERY))]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint, include_extras=True)
        return [path for f in dataclasses.fields(hint) for path in _paths(hints[f.name], (*at, f.name))]
    return []


def rewrite(data: dict[str, Any], paths: tuple[Path, ...], change: Callable[[str, Any], Any]) -> dict[str, Any]:
    """A copy of `data` with each value found at `paths` (but None) replaced by
    `change(where, value)`; `where` names the value's concrete place ("members.0.name")."""
    for path in paths:
        data = _rewrite(data, path, (), change)
    return data


def _rewrite(node: Any, path: Path, at: Path, change: Callable[[str, Any], Any]) -> Any:
    if not path:
        return None if node is None else change(".".join(at), node)
    head, rest = path[0], path[1:]
    if head == EVERY:
        if not isinstance(node, list):
            return node
        return [_rewrite(item, rest, (*at, str(n)), change) for n, item in enumerate(node)]
    if not isinstance(node, dict) or head not in node:
        return node
    return {**node, head: _rewrite(node[head], rest, (*at, head), change)}


def values_at(data: dict[str, Any], paths: tuple[Path, ...]) -> list[Any]:
    """Every value (but None) found at `paths`."""
    found: list[Any] = []

    def collect(where: str, value: Any) -> Any:
        found.append(value)
        return value

    rewrite(data, paths, collect)
    return found
