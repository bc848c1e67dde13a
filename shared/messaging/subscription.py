"""Consuming public events: at-least-once, in batches, with a dead-letter topic.

The handler receives decoded, validated events and must be idempotent: it records the
event ids it applied in the same transaction as its own write. Offsets are committed
only after the handler succeeded, so a crash redelivers and never loses.

A poison event never blocks its partition: a batch that keeps failing is tried again event
by event, and an event that still fails after `consumer_max_attempts` goes to the group's
dead-letter topic (reason, source and attempts in headers) and the consumer moves past it.
An infrastructure failure (the database or the network away) is no reason to give up on an
event: it is retried without bound, as every event would fail the same way.

A plain consumer rather than faust-streaming: every consumer here writes its state to
its own database in one transaction with the ids it applied, which faust's tables and
changelog topics would only duplicate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy.exc
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from shared import logs, tracing
from shared.contracts.topics import dead_letters
from shared.messaging.delivery import Delivery, dead_letter, decoded_from, reason_of
from shared.messaging.kafka import consumer_config, ensure_topics
from shared.messaging.lag import LagGauge
from shared.messaging.publisher import Message, Publisher
from shared.messaging.time_order import TimeOrder, Where
from shared.metrics import APPLIED_DELAY, BATCH_SECONDS, DEAD_LETTERS, EVENTS_APPLIED
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


Handle = Callable[[Sequence[Delivery]], None]
Offsets = list[TopicPartition] | None

# Failures of what the handler stands on rather than of the event it was given: they say
# nothing about the event, so they never send it to the dead letters.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError, TimeoutError among them
    psycopg.OperationalError,  # a lost connection, a serialization failure or deadlock
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,  # the pool had no connection to give
)


class _Stopped(Exception):
    """The worker was asked to stop while retrying: leave the batch uncommitted."""


@dataclass(frozen=True, slots=True)
class _Failed:
    reason: Exception
    attempts: int


class KafkaSubscription:
    def __init__(  # noqa: PLR0913
        self,
        settings: ServiceSettings,
        group: str,
        topics: Sequence[str],
        handle: Handle,
        dead_letter_publisher: Publisher,
        batch_size: int = 500,
        in_time_order: bool = False,
    ) -> None:
        """`in_time_order`: hand the events of all partitions over in the order they were recorded
        (`TimeOrder`), for a reader joining topics; else each partition's as they come."""
        self._settings, self._group = settings, group
        self._order: TimeOrder[tuple[Delivery | None, Any]] | None = None
        if in_time_order:
            self._order = TimeOrder(budget=10 * batch_size, patience=_PATIENCE)
        self._paused: set[Where] = set()
        self._revoked_while_retrying: set[Where] = set()
        self._said = self._released = 0.0
        self._consumer: Any = None  # made by run(): a subscription that never runs connects to nothing
        self._topics, self._handle, self._batch_size = list(topics), handle, batch_size
        self._dead_letters, self._dlq_topic = dead_letter_publisher, dead_letters(group).name
        self._lag = LagGauge(group, settings.consumer_lag_seconds)
        # At 0 from the start: a consumer stuck before applying anything still has a rate (of 0).
        self._applied, self._dead_lettered = EVENTS_APPLIED.labels(group), DEAD_LETTERS.labels(group)
        self._batches, self._delays = BATCH_SECONDS.labels(group), APPLIED_DELAY.labels(group)

    @property
    def group(self) -> str:
        """The consumer group (deployment grants it and declares its dead-letter topic)."""
        return self._group

    @property
    def topics(self) -> list[str]:
        return list(self._topics)

    @property
    def handle(self) -> Handle:
        """What the subscription hands its events to (a replay of dead letters uses it too)."""
        return self._handle

    def run(self, stop: threading.Event) -> None:
        try:
            ensure_topics(self._settings, [dead_letters(self._group)])
        except Exception as refused:  # a service user may lack the right to create topics
            log.warning("could not ensure dead-letter topic %s: %s", self._dlq_topic, refused)
        config = consumer_config(self._settings, self._group)
        if self._order is None:
            self._consumer = Consumer(config)
        else:  # the ends of partitions tell the order what may still come
            # librdkafka's own prefetch bounded too (64 MB by default): what waits is mostly here.
            self._consumer = Consumer(config | {"enable.partition.eof": True, "queued.max.messages.kbytes": 16384})
        self._consumer.subscribe(self._topics, on_assign=self._assigned, on_revoke=self._revoked)
        try:
            while not stop.is_set():
                raw = self._consumer.consume(self._batch_size, timeout=0.1)
                if self._order is not None:
                    self._in_time_order(raw, stop)
                elif raw:
                    self._process(raw, stop)
                self._lag.measure(self._consumer)
        finally:
            self._consumer.close()

    def _assigned(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        """Nothing of them waits here: none stays paused (librdkafka may keep a partition paused
        across a rebalance that hands it back)."""
        if self._order is not None:
            self._order.assign((p.topic, p.partition) for p in partitions)
        if partitions:
            consumer.resume(partitions)

    def _revoked(self, _: Any, partitions: list[TopicPartition]) -> None:
        """What waits of them is read again by their next owner, from the offsets committed."""
        wheres = {(p.topic, p.partition) for p in partitions}
        self._revoked_while_retrying |= wheres
        if self._order is not None:
            self._order.forget(wheres)
        self._paused -= wheres

    def _in_time_order(self, raw: list[Any], stop: threading.Event) -> None:
        assert self._order is not None
        decoded, rejected = decoded_from(raw, self._dlq_topic)
        try:
            self._publish(rejected, stop)  # before anything past them is committed
        except _Stopped:
            return
        self._wait_in_order(raw, decoded)
        released = self._order.release()
        self._throttle()
        self._watch(bool(released))
        if released:
            started = time.monotonic()
            self._process_released([item for _, item in released], stop)
            self._order.busy(time.monotonic() - started)

    def _wait_in_order(self, raw: list[Any], decoded: list[tuple[Delivery, Any]]) -> None:
        assert self._order is not None
        known = {(m.topic(), m.partition(), m.offset()): d for d, m in decoded}
        for message in raw:
            where = (message.topic(), message.partition())
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    self._order.reached_end(where)
            elif (d := known.get((*where, message.offset()))) is not None:
                self._order.add(where, _ticks(d.envelope.time), (d, message))
            else:  # dead-lettered already: it only moves the partition's committed offset on
                self._order.add(where, None, (None, message))

    def _watch(self, released: bool) -> None:
        """A warning when events have waited 10 s and none could leave (with why: what waits where)."""
        assert self._order is not None
        now = time.monotonic()
        if released or not len(self._order):
            self._released = now
        elif now - self._released > 10 and now - self._said > 10:
            self._said = now
            log.warning(
                "in time order: none released for 10 s; paused %s; %s", sorted(self._paused), self._order.state()
            )

    def _throttle(self) -> None:
        """Pause partitions far ahead of the others (their messages wait here), resume them once drained."""
        assert self._order is not None
        ahead, drained = self._order.crowded() - self._paused, self._paused & self._order.roomy()
        if ahead:
            self._consumer.pause([TopicPartition(t, p) for t, p in sorted(ahead)])
        if drained:
            self._consumer.resume([TopicPartition(t, p) for t, p in sorted(drained)])
        self._paused = (self._paused | ahead) - drained

    def _process_released(self, released: list[tuple[Delivery | None, Any]], stop: threading.Event) -> None:
        following: dict[Where, int] = {}
        for _, message in released:
            where = (message.topic(), message.partition())
            following[where] = max(following.get(where, 0), message.offset() + 1)
        offsets = [TopicPartition(t, p, o) for (t, p), o in sorted(following.items())]
        self._settle([(d, m) for d, m in released if d is not None], stop, offsets)

    def _process(self, raw: list[Any], stop: threading.Event) -> None:
        decoded, rejected = decoded_from(raw, self._dlq_topic)
        try:
            self._publish(rejected, stop)
        except _Stopped:
            return
        self._settle(decoded, stop)

    def _settle(
        self, decoded: list[tuple[Delivery, Any]], stop: threading.Event, offsets: list[Any] | None = None
    ) -> None:
        """Apply, dead-letter what keeps failing, then commit `offsets` (default: where the consumer is)."""
        try:
            poisoned = self._apply(decoded, stop)
            self._publish([dead_letter(m, f.reason, f.attempts, self._dlq_topic) for m, f in poisoned], stop)
        except _Stopped:
            return
        if not stop.is_set():
            try:
                if offsets is None:
                    self._consumer.commit(asynchronous=False)
                else:
                    self._consumer.commit(offsets=offsets, asynchronous=False)
            except KafkaException as failed:
                # The broker was away long enough for the group to forget this member, say: the
                # consumer rejoins on its next poll, and a later commit covers this batch or the
                # batch comes again from the committed offsets (the handler deduplicates).
                log.warning("commit failed, carrying on: %s", failed)

    def _apply(self, decoded: list[tuple[Delivery, Any]], stop: threading.Event) -> list[tuple[Any, _Failed]]:
        """Apply the batch, else each event alone; returns the events that still fail, with why."""
        if not decoded:
            return []
        failed = self._attempt([d for d, _ in decoded], stop)
        if failed is None:
            return []
        if len(decoded) == 1:
            return [(decoded[0][1], failed)]
        # Alone, each event is its own transaction: the ones that succeed are applied once (the
        # failed batch wrote nothing, or what it wrote is deduplicated by event id).
        log.warning("a batch of %d failed %d times; trying each event alone", len(decoded), failed.attempts)
        poisoned: list[tuple[Any, _Failed]] = []
        for delivery, message in decoded:
            alone = self._attempt([delivery], stop)
            if alone is not None:
                poisoned.append((message, _Failed(alone.reason, failed.attempts + alone.attempts)))
        return poisoned

    def _attempt(self, deliveries: list[Delivery], stop: threading.Event) -> _Failed | None:
        """Hand the deliveries over until they succeed (None) or fail `consumer_max_attempts` times
        for a reason of their own; infrastructure failures are retried without counting."""
        attempts = transient = 0
        self._revoked_while_retrying = set()
        traceparents = [d.envelope.traceparent for d in deliveries]
        while True:
            with _bound(deliveries), tracing.consuming(self._group, traceparents) as span:
                started = time.monotonic()
                reason = self._handled(deliveries)
                if reason is None:
                    self._count(deliveries, time.monotonic() - started)
                    return None
                tracing.failed(span, reason)
                if isinstance(reason, TRANSIENT):  # the database is down, say: keep the batch, try again
                    transient += 1
                    log.error("handler failed (%d in a row, infrastructure); retrying", transient, exc_info=reason)
                else:
                    attempts += 1
                    log.warning("handler failed (attempt %d): %s", attempts, reason_of(reason))
                    if attempts >= self._settings.consumer_max_attempts:
                        return _Failed(reason, attempts)
            self._back_off(attempts + transient, stop, deliveries)

    def _count(self, deliveries: list[Delivery], seconds: float) -> None:
        """A batch applied: how long it took, and how late each event was by then (what a
        dashboard's figure lags behind the visit it counts, less the API's read)."""
        self._batches.observe(seconds)
        now = time.time()
        for d in deliveries:
            self._delays.observe(max(0.0, now - d.envelope.time.timestamp()))
        self._applied.inc(len(deliveries))  # last: a scrape that sees them applied sees them timed

    def _handled(self, deliveries: list[Delivery]) -> Exception | None:
        """What the handler raised, if it did."""
        try:
            self._handle(deliveries)
        except Exception as reason:
            return reason
        return None

    def _back_off(self, failures: int, stop: threading.Event, batch: Sequence[Delivery] = ()) -> None:
        """Wait before the next attempt, polling meanwhile with the partitions paused, so that the
        group keeps this member however long the retries last (past `max.poll.interval.ms`
        without a poll, librdkafka leaves the group and the batch comes again from the last
        commit). If a rebalance takes the batch's partitions away meanwhile, the batch is dropped
        uncommitted: their new owner reads it again from the committed offsets."""
        self._lag.measure(self._consumer, fresh=True)  # a consumer stuck retrying shows its lag growing
        first, most = self._settings.consumer_retry_seconds, self._settings.consumer_retry_max_seconds
        until = time.monotonic() + min(first * 2 ** (failures - 1), most)
        self._pause_all(True)
        try:
            while (left := until - time.monotonic()) > 0:
                if stop.wait(min(left, _KEEP_ALIVE)):
                    raise _Stopped
                self._keep_alive()
                if self._revoked_while_retrying & {(d.topic, d.partition) for d in batch}:
                    raise _Stopped
        finally:
            self._pause_all(False)

    def _pause_all(self, pause: bool) -> None:
        """Pause every partition held, or resume those the time order has not paused itself."""
        if self._consumer is None:  # a dead-letter replay hands events over without a consumer
            return
        held = {(p.topic, p.partition) for p in self._consumer.assignment()}
        partitions = [TopicPartition(t, p) for t, p in sorted(held if pause else held - self._paused)]
        if partitions:
            (self._consumer.pause if pause else self._consumer.resume)(partitions)

    def _keep_alive(self) -> None:
        """A poll that takes nothing: the partitions are paused (what was fetched before the pause
        is read again later; a partition handed over by a rebalance meanwhile is paused too)."""
        if self._consumer is None:
            return
        first: dict[Where, int] = {}
        for message in self._consumer.consume(self._batch_size, timeout=0):
            where = (message.topic(), message.partition())
            if message.error() is None:
                first[where] = min(first.get(where, message.offset()), message.offset())
            elif message.error().code() == KafkaError._PARTITION_EOF and self._order is not None:
                self._order.reached_end(where)
        for (topic, partition), offset in first.items():
            self._consumer.seek(TopicPartition(topic, partition, offset))
        self._pause_all(True)

    def _publish(self, dead: list[Message], stop: threading.Event) -> None:
        """Nothing is committed past a dead letter the broker has not acknowledged."""
        failures = 0
        while dead:
            try:
                self._dead_letters.publish(dead)
                self._dead_lettered.inc(len(dead))
                return
            except Exception:
                failures += 1
                log.exception("could not publish %d dead letters (%d in a row); retrying", len(dead), failures)
                self._back_off(failures, stop)


_KEEP_ALIVE = 1.0
"""Seconds between polls while a batch is retried (well within any max.poll.interval.ms)."""
_PATIENCE = 1.0
"""Seconds a partition with nothing read yet, not at its end, may hold the others back."""


def _bound(deliveries: list[Delivery]) -> AbstractContextManager[None]:
    """One event's ids for the lines logged while it is handled alone (a batch has many)."""
    if len(deliveries) != 1:
        return nullcontext()
    envelope = deliveries[0].envelope
    return logs.bound(correlation_id=envelope.correlationid, causation_id=envelope.id)


def _ticks(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
