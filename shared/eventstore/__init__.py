"""A service's own event store: streams of events with optimistic appends and an ordered log."""

from shared.eventstore.backends import open_store
from shared.eventstore.records import EventMeta, NewEvent, RecordedEvent
from shared.eventstore.store import EventStore, StreamConflict

__all__ = ["EventMeta", "EventStore", "NewEvent", "RecordedEvent", "StreamConflict", "open_store"]
