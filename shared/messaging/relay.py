"""The outbox relay: from a service's event log to Kafka, with no dual write.

It reads the log after its last recorded position, publishes, waits for acks=all, and
only then records the new position. A crash in between publishes again (consumers
deduplicate by event id); nothing is ever skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shared.eventstore import EventStore, RecordedEvent
from shared.messaging.publisher import Message, Publisher

log = logging.getLogger(__name__)

Translate = Callable[[RecordedEvent], list[Message]]


class Relay:
    def __init__(
        self,
        store: EventStore,
        publisher: Publisher,
        translate: Translate,
        name: str = "kafka-relay",
        batch_size: int = 500,
    ) -> None:
        self.store, self._publisher, self._translate = store, publisher, translate
        self._name, self._batch_size = name, batch_size
        self._position: int | None = None

    def relay_once(self) -> int:
        """Publish the next batch of the log; returns how many log entries it covered."""
        if self._position is None:
            self._position = self.store.tracked(self._name)
        events = self.store.read_log(self._position, self._batch_size)
        if not events:
            return 0
        messages = [m for event in events for m in self._translate(event)]
        if messages:
            self._publisher.publish(messages)
        last = events[-1].position
        assert last is not None
        self.store.track(self._name, last)
        self._position = last
        return len(events)

    def run(self, stop: threading.Event, idle_seconds: float = 0.05) -> None:
        """Relay until `stop` is set; one relay per store (the caller holds the store's lock)."""
        failures = 0
        while not stop.is_set():
            try:
                covered = self.relay_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("relay %s failed (%d in a row); retrying", self._name, failures)
                self._position = None  # re-read what was really recorded
                stop.wait(min(0.1 * 2**failures, 5.0))
                continue
            if covered < self._batch_size:
                stop.wait(idle_seconds)
