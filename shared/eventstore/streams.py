"""How a kind of aggregate lives in the store: its stream prefix, event names and fold."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import TypeAdapter

from shared.eventstore.personal import Path, personal_paths
from shared.eventstore.records import RecordedEvent
from shared.eventstore.snapshots import Snapshot, Snapshots

if TYPE_CHECKING:
    from shared.eventstore.store import EventStore

S = TypeVar("S")
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventTypes:
    """Stable, versioned names for a service's internal event classes (not Python paths).

    A stored event is named `<service>.internal.<name>.v<version>`: `internal` keeps it apart
    from the public event of the same name, which has another shape. `<name>` is the class's
    name unless `stored_as` keeps an older one (a renamed class must: its streams hold the old
    name; the golden file of each service's stored events makes a rename fail a test).
    Reading an older version runs its upcasters in turn, so old streams keep loading after an
    event's shape changes; events stored before `internal` was in the name still read.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._by_class: dict[type, tuple[str, TypeAdapter[Any]]] = {}
        self._by_name: dict[str, tuple[type, TypeAdapter[Any], int]] = {}
        self._upcasters: dict[tuple[type, int], Upcaster] = {}
        self._personal: dict[str, tuple[Path, ...]] = {}

    def register(
        self,
        cls: type,
        version: int = 1,
        upcasters: Mapping[int, Upcaster] | None = None,
        stored_as: str | None = None,
    ) -> None:
        """`upcasters[n]` turns version n's data into version n + 1's: one for every older version."""
        missing = [old for old in range(1, version) if old not in (upcasters or {})]
        if missing:
            raise ValueError(f"{cls.__name__} v{version} needs upcasters from versions {missing}")
        name = stored_as or cls.__name__
        adapter: TypeAdapter[Any] = TypeAdapter(cls)
        self._by_class[cls] = (f"{self._prefix}.internal.{name}.v{version}", adapter)
        paths = personal_paths(cls)
        for old in range(1, version + 1):
            # The second name: how events were stored before `internal` (read, never written).
            for stored in (f"{self._prefix}.internal.{name}.v{old}", f"{self._prefix}.{name}.v{old}"):
                self._by_name[stored] = (cls, adapter, old)
                self._personal[stored] = paths
        for old, upcast in (upcasters or {}).items():
            self._upcasters[(cls, old)] = upcast

    def encode(self, event: object) -> tuple[str, dict[str, Any]]:
        type_name, adapter = self._by_class[type(event)]
        return type_name, adapter.dump_python(event, mode="json")

    def decode(self, type_name: str, data: dict[str, Any]) -> object:
        cls, adapter, version = self._by_name[type_name]
        current = int(self._by_class[cls][0].rsplit(".v", 1)[1])
        for old in range(version, current):
            data = self._upcasters[(cls, old)](data)
        return adapter.validate_python(data)

    def personal_paths(self, type_name: str) -> tuple[Path, ...]:
        """Where an event of this type holds personal data (none for a type not registered)."""
        return self._personal.get(type_name, ())

    def knows(self, type_name: str) -> bool:
        return type_name in self._by_name

    def names_of(self, *classes: type) -> frozenset[str]:
        """Every name events of these classes may be stored under (each version, old names too)."""
        return frozenset(name for name, (cls, _, _) in self._by_name.items() if cls in classes)

    def classes(self) -> list[type]:
        return list(self._by_class)

    def names_under(self, *classes: type) -> frozenset[str]:
        """`names_of` these classes and of their subclasses (a renewal is a signing too)."""
        return frozenset(name for name, (cls, _, _) in self._by_name.items() if issubclass(cls, classes))

    def schemas(self) -> dict[str, dict[str, Any]]:
        """The current stored name of each class → the JSON Schema of what is stored."""
        return {name: adapter.json_schema(mode="serialization") for name, adapter in self._by_class.values()}


@dataclass(frozen=True)
class StreamType(Generic[S]):
    """One kind of aggregate: `evolve` is the domain's pure apply function."""

    prefix: str
    initial: S
    evolve: Callable[[S, Any], S]
    events: EventTypes = field(repr=False)
    # The state from a whole stream at once, where `evolve` copies what grows for each event
    # (an index of a province's teams): a cached state takes one event at a time, a stream read
    # whole would pay for each copy.
    whole: Callable[[list[Any]], S] | None = field(default=None, repr=False)
    # A stream that grows with the years keeps its state beside it (`snapshots.py`).
    snapshots: Snapshots[S] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # A snapshot's state may be None (a state typed `X | None`): folded from it, `whole`
        # would take the events after it for the whole stream.
        if self.whole is not None and self.snapshots is not None:
            raise ValueError(f"{self.prefix}: a stream folded whole is not snapshotted")

    def stream_id(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def fold(self, recorded: Iterable[RecordedEvent], state: S | None = None, version: int = 0) -> tuple[S, int]:
        if state is None and self.whole is not None:
            found = list(recorded)
            decoded = [self.events.decode(e.type, e.data) for e in found]
            return self.whole(decoded), found[-1].version if found else version
        current = self.initial if state is None else state
        for event in recorded:
            current = self.evolve(current, self.events.decode(event.type, event.data))
            version = event.version
        return current, version


FOLDED_ON_THE_LOOP = 1_000  # events: a longer fold goes beside the event loop (the hop costs more below)


async def read_state(store: EventStore, kind: StreamType[S], key: str) -> tuple[S, int]:
    """A stream's state for a read (an API's GET, read-your-writes): from its snapshot and the
    events after it where one is kept; a long fold beside the event loop, which serves every
    other request meanwhile."""
    stream_id = kind.stream_id(key)
    base = from_snapshot(kind, (await store.snapshots_async([stream_id])).get(stream_id) if kind.snapshots else None)
    events = (await store.read_many_async([stream_id], {stream_id: base[1]} if base else None))[stream_id]
    fold = partial(kind.fold, events, *(base or ()))
    return fold() if len(events) < FOLDED_ON_THE_LOOP else await asyncio.to_thread(fold)


def read_states(store: EventStore, kind: StreamType[S], keys: Sequence[str]) -> dict[str, tuple[S, int]]:
    """Several streams' states at once (a job's batch), each from its snapshot where one is kept."""
    ids = {kind.stream_id(key): key for key in keys}
    kept = store.snapshots(list(ids)) if kind.snapshots else {}
    bases = {s: b for s in ids if (b := from_snapshot(kind, kept.get(s))) is not None}
    found = store.read_many(list(ids), {s: b[1] for s, b in bases.items()} if bases else None)
    return {key: kind.fold(found[s], *bases.get(s, ())) for s, key in ids.items()}


def from_snapshot(kind: StreamType[S], kept: Snapshot | None) -> tuple[S, int] | None:
    """A snapshot's state and version, if written by a state of this kind's shape."""
    if kept is None or kind.snapshots is None or kept.shape != kind.snapshots.shape:
        return None
    return kind.snapshots.load(kept.state), kept.version
