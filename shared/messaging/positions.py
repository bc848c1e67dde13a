"""Whether a consumer group has applied every input of a period: billing's close of a period waits for it.

A close settles a period for good (a correction is a reopening, which reverses every later
settlement too), so it must settle on all the period's inputs, not on whatever billing's
consumer had happened to read when the scheduler asked: the same facts would then settle
different money from one run to the next (the simulation saw an insurance fund due 1,620.00
in one run and 1,728.00 in another). Waiting inside the close, rather than in its callers,
keeps the rule in one place for the CronJob, an operator and the simulation alike.

A partition of an input topic has passed the period's end when billing's consumer group has
applied everything it holds, or when the last event applied from it was recorded after the
period's end: a partition is in recorded order (a relay publishes its service's log in order),
so nothing of the period can follow that event. Kafka's own positions say this (the group's
committed offset, the partition's end), so the consumer records nothing more for it; and the
rule holds at a province's traffic too, where a partition is rarely drained but soon shows
events after the period. Events still in another service's outbox are on no partition yet: the
scheduler closes hours after the period, when the relays have long sent them; a caller that
closes at once (the simulation) first waits for their outboxes (`GET /health/outbox`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from confluent_kafka import Consumer, TopicPartition

from shared.contracts.envelope import Envelope
from shared.messaging.kafka import consumer_config
from shared.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class InputPosition:
    """Where the group stands in one partition of an input: `applied` events of `end` (offsets)."""

    topic: str
    partition: int
    applied: int
    end: int


class Inputs(Protocol):
    def behind(self, period_end: datetime) -> list[InputPosition]:
        """The partitions that may still hold events of the period billing has not applied."""
        ...


class AllApplied:
    """Inputs handed over by the caller itself (the service's tests): nothing is ever behind."""

    def behind(self, period_end: datetime) -> list[InputPosition]:
        return []


class Joined:
    """Several inputs as one: `by_period` have passed the period's end as above; `drained` are
    behind until the group has applied everything they hold, whatever the period (an input whose
    events of a period arrive after it, as a year's appraisal results do, and rarely enough that
    its partitions drain)."""

    def __init__(self, by_period: Sequence[Inputs], drained: Sequence[Inputs] = ()) -> None:
        self._by_period, self._drained = list(by_period), list(drained)

    def behind(self, period_end: datetime) -> list[InputPosition]:
        late = [p for inputs in self._by_period for p in inputs.behind(period_end)]
        return late + [p for inputs in self._drained for p in inputs.behind(EVER)]


EVER = datetime.max.replace(tzinfo=UTC)  # no event is recorded after it: a partition passes it only drained


class KafkaInputs:
    """Reads the consumer group's committed offsets without joining the group."""

    def __init__(self, settings: ServiceSettings, group: str, topics: Sequence[str], timeout: float = 5.0) -> None:
        self._config = consumer_config(settings, group)
        self._topics, self._timeout = list(topics), timeout

    def behind(self, period_end: datetime) -> list[InputPosition]:
        consumer = Consumer(self._config)
        try:
            committed = consumer.committed(self._partitions(consumer), timeout=self._timeout)
            positions = [self._position(consumer, p) for p in committed]
            return [p for p in positions if p.applied < p.end and not self._passed(consumer, p, period_end)]
        finally:
            consumer.close()

    def _partitions(self, consumer: Any) -> list[TopicPartition]:
        """The input topics' partitions; a name starting with "^" is a pattern (claims sources)."""
        found = consumer.list_topics(timeout=self._timeout).topics
        names = {n for n in found for t in self._topics if (n == t or (t.startswith("^") and _matches(t, n)))}
        return [TopicPartition(n, p) for n in sorted(names) for p in sorted(found[n].partitions)]

    def _position(self, consumer: Any, committed: TopicPartition) -> InputPosition:
        low, high = consumer.get_watermark_offsets(committed, timeout=self._timeout)
        applied = committed.offset if committed.offset >= 0 else low  # nothing committed: from the start
        return InputPosition(committed.topic, committed.partition, max(applied, low), high)

    def _passed(self, consumer: Any, position: InputPosition, period_end: datetime) -> bool:
        """Whether the last event applied from the partition was recorded after the period."""
        if position.applied == 0:
            return False
        consumer.assign([TopicPartition(position.topic, position.partition, position.applied - 1)])
        found = consumer.consume(1, timeout=self._timeout)
        consumer.unassign()
        if not found or found[0].error() is not None:
            return False  # gone (retention, compaction) or not read in time: not known to have passed
        try:
            return Envelope.decode(found[0].value()).time > period_end
        except ValueError:  # not an envelope (the consumer sent it to its dead letters): no time to go by
            return False


def _matches(pattern: str, name: str) -> bool:
    return re.fullmatch(pattern[1:], name) is not None
