"""Snapshots: a long stream's state kept beside it, so a process that has not cached the
stream reads its last snapshot and the events after it, not the stream from its start.

Some streams grow with the years (a team's places, an institution's ledger, a resident's
capitation): a process folds such a stream whole only when it has not cached it, after a
restart or once its cache let the stream go, and at a province's size that refold is hours
of CPU after each restart. A snapshot is (stream, version, shape, state), the state the
stream's events up to that version fold to. Events are never rewritten, so a snapshot is
never wrong, only old; it is written after the batch that crossed its mark commits, outside
that transaction, and losing one costs only time.

`shape` names the code that wrote it: the state's name given here and a digest of its JSON
Schema, so a snapshot written by a state of another shape is ignored (read from the start)
and replaced. A change to what `evolve` computes that keeps the state's fields must bump the
name's version. A state holding personal data is never snapshotted: a person is erased by
shredding the keys their events are sealed with, and a snapshot would keep the plain values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import GetCoreSchemaHandler, TypeAdapter
from pydantic_core import CoreSchema, core_schema

from shared.eventstore.personal import personal_paths

S = TypeVar("S")


class Snapshot(NamedTuple):
    """As stored: the state of `stream_id` after its event `version`, in `shape`."""

    stream_id: str
    version: int
    shape: str
    state: bytes


@dataclass(frozen=True)
class Snapshots(Generic[S]):
    """How a kind of stream's state is kept: written once `every` events were read or
    appended since the last, read back only in the same `shape`."""

    shape: str
    dump: Callable[[S], bytes]
    load: Callable[[bytes], S]
    every: int = 1000

    @classmethod
    def of(
        cls,
        state: Any,
        name: str,
        every: int = 1000,
        kept_as: Mapping[type, tuple[Any, Callable[[Any], Any]]] | None = None,
    ) -> Snapshots[Any]:
        """Kept as JSON by pydantic: `state` is the state's type (a dataclass, maybe `| None`).
        A class of the domain pydantic does not know is kept as a plain type: `kept_as[C]` is
        (that type, the function making it from a C), and C is made from it again."""
        if personal_paths(state):
            raise ValueError(f"{name} holds personal data: its state is not snapshotted")
        for known, (plain, making) in (kept_as or {}).items():
            _keep_as(known, plain, making)
        adapter: TypeAdapter[Any] = TypeAdapter(state)
        schema = json.dumps(adapter.json_schema(), sort_keys=True).encode()
        shape = f"{name}:{hashlib.sha256(schema).hexdigest()[:12]}"
        return cls(shape, adapter.dump_json, adapter.validate_json, every)

    def taken(self, stream_id: str, version: int, state: S) -> Snapshot:
        """`state` kept as the stream's after its event `version`."""
        return Snapshot(stream_id, version, self.shape, self.dump(state))

    def due(self, version: int, since: int, folded: int) -> bool:
        """A stream at `version`, read at `since` with `folded` events read from the store:
        a snapshot when the batch crossed a mark, or folded more than `every` events."""
        return version // self.every > since // self.every or folded >= self.every


def _keep_as(known: type, plain: Any, making: Callable[[Any], Any]) -> None:
    """Teach pydantic `known` (the domain imports no pydantic): validated as `plain`, then made
    into `known`; serialised by `making`."""

    def schema(_: Any, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            known,
            handler.generate_schema(plain),
            serialization=core_schema.plain_serializer_function_ser_schema(making),
        )

    known.__get_pydantic_core_schema__ = classmethod(schema)  # type: ignore[attr-defined]
