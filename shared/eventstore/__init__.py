"""A service's own event store: streams of events with optimistic appends and an ordered log."""

from shared.eventstore.backends import open_store
from shared.eventstore.memory import MemoryStore, open_memory
from shared.eventstore.records import EventMeta, NewEvent, RecordedEvent
from shared.eventstore.store import EventStore, PostgresStore, StreamConflict

__all__ = [
    "EventMeta",
    "EventStore",
    "MemoryStore",
    "NewEvent",
    "PostgresStore",
    "RecordedEvent",
    "StreamConflict",
    "open_memory",
    "open_store",
]
