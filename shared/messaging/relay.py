"""The outbox relay: from a service's event log to Kafka, with no dual write.

It reads the log after its last recorded position, publishes, waits for acks=all, and
only then records the new position. A crash in between publishes again (consumers
deduplicate by event id); nothing is ever skipped. It reads only the events of the types it
publishes, their personal values withheld (none is published): most of a log stays inside.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Collection

from opentelemetry.trace import SpanKind

from shared import tracing
from shared.eventstore import EventStore, RecordedEvent
from shared.messaging.publisher import Message, Publisher
from shared.metrics import RELAY_LAG, RELAY_PUBLISH_SECONDS, RELAY_PUBLISHED

log = logging.getLogger(__name__)

Translate = Callable[[RecordedEvent], list[Message]]
RELAY = "kafka-relay"  # the relay's name for its position in the log (and for its lock)


class Relay:
    def __init__(  # noqa: PLR0913
        self,
        store: EventStore,
        publisher: Publisher,
        translate: Translate,
        publishes: Collection[str],
        name: str = RELAY,
        batch_size: int = 500,
    ) -> None:
        """`publishes`: the stored types `translate` turns into messages; it is given no other."""
        self.store, self._publisher, self._translate = store, publisher, translate
        self._name, self._batch_size = name, batch_size
        self._publishes = frozenset(publishes)
        self._position: int | None = None
        self._lag_measured = 0.0

    def relay_once(self) -> int:
        """Publish the next batch of the log; returns how many log entries it covered."""
        if self._position is None:
            self._position = self.store.tracked(self._name)
        events, entries, last = self.store.read_log_of(self._position, self._batch_size, self._publishes)
        if not entries:
            RELAY_LAG.set(0)  # the log ended where the relay stands
            return 0
        messages = [m for event in events for m in self._translate(event)]
        if messages:
            self._publish(messages, events)
        self.store.track(self._name, last)
        self._position = last
        RELAY_PUBLISHED.inc(entries)
        self._measure_lag(last)
        return entries

    def _publish(self, messages: list[Message], events: list[RecordedEvent]) -> None:
        """One span for the batch, linked to the commands that recorded its events (their traces
        go on with the envelopes' `traceparent`, not through this span)."""
        links = tracing.links_to(e.meta.traceparent for e in events) if tracing.enabled() else []
        attributes: tracing.Attributes = {"messaging.system": "kafka", "messaging.batch.message_count": len(messages)}
        with tracing.span(f"{self._name} publish", SpanKind.PRODUCER, links=links, attributes=attributes) as span:
            started = time.perf_counter()
            try:
                self._publisher.publish(messages)
            except Exception as failure:
                tracing.failed(span, failure)
                raise
            RELAY_PUBLISH_SECONDS.observe(time.perf_counter() - started)

    def _measure_lag(self, published: int, every_seconds: float = 1.0) -> None:
        """How far the log's end is ahead: one more query, so at most once a second."""
        now = time.monotonic()
        if now - self._lag_measured >= every_seconds:
            self._lag_measured = now
            RELAY_LAG.set(max(0, self.store.last_position() - published))

    def _lag_while_failing(self) -> None:
        """A relay that cannot publish must not keep showing the lag it had when it could."""
        with contextlib.suppress(Exception):  # the store is down too: the lag is unknown, the alert stands
            published = self._position if self._position is not None else self.store.tracked(self._name)
            RELAY_LAG.set(max(0, self.store.last_position() - published))

    def run(self, stop: threading.Event, idle_seconds: float = 0.05, held: Callable[[], bool] | None = None) -> None:
        """Relay until `stop` is set, or `held()` says the store's lock was lost (one relay per
        store: the caller holds the lock, and takes it again)."""
        failures = 0
        while not stop.is_set():
            if held is not None and not held():
                log.warning("relay %s lost the store's lock; it stops until it holds it again", self._name)
                return
            try:
                covered = self.relay_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("relay %s failed (%d in a row); retrying", self._name, failures)
                self._lag_while_failing()
                self._position = None  # re-read what was really recorded
                stop.wait(min(0.1 * 2**failures, 5.0))
                continue
            if covered < self._batch_size:
                stop.wait(idle_seconds)
