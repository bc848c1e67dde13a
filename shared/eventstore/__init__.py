"""A service's own event store: streams of events with optimistic appends and an ordered log."""

from shared.eventstore.records import EventMeta, NewEvent, RecordedEvent
from shared.eventstore.store import EventStore, StreamConflict, open_store

__all__ = ["EventMeta", "EventStore", "NewEvent", "RecordedEvent", "StreamConflict", "open_store"]
