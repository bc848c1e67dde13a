"""A period's close, and a year's performance pay, wait until billing has applied every input of
the period: read from Kafka's own positions (the consumer groups' committed offsets, the
partitions' ends), and refused with a 409 problem the scheduler retries on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from billing.settings import BillingSettings
from shared.contracts import topics
from shared.messaging import ensure_topics
from shared.messaging.positions import EVER, InputPosition, Joined, KafkaInputs
from shared.messaging.relay import RELAY
from shared.testing.kafka import produce_raw

from .conftest import Billing
from .test_performance_pay_year import appraised, distribute, year_2025

FEBRUARY = datetime(2026, 1, 31, 16, tzinfo=UTC)  # 1 February at midnight in China: January's end


def test_a_partition_has_passed_the_period_when_drained_or_when_its_last_applied_event_is_later(
    settings: BillingSettings, kafka_client: dict[str, Any]
) -> None:
    topic, group = f"test.inputs.{uuid.uuid4().hex[:8]}", f"billing.inputs-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, [topics.Topic(topic, key="resident_ref", partitions=2)])
    stamped = [datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC)]
    signed = [Billing.signed(f"c{n}").model_copy(update={"time": t}) for n, t in enumerate(stamped)]
    produce_raw(kafka_client, topic, [("one-resident", e.encode()) for e in signed])
    inputs = KafkaInputs(settings, group, [topic])
    partition = _partition_of(kafka_client, topic)
    behind = [InputPosition(topic, partition, 0, 3)]

    assert inputs.behind(FEBRUARY) == behind  # nothing applied: the January event first
    _commit(kafka_client, group, topic, partition, 1)
    assert inputs.behind(FEBRUARY) == [InputPosition(topic, partition, 1, 3)]  # January's applied, not one later
    _commit(kafka_client, group, topic, partition, 2)
    assert inputs.behind(FEBRUARY) == []  # the last applied is of February: nothing of January can follow
    assert inputs.behind(datetime(2026, 2, 28, 16, tzinfo=UTC)) == [InputPosition(topic, partition, 2, 3)]
    _commit(kafka_client, group, topic, partition, 3)
    assert inputs.behind(datetime(2026, 12, 31, tzinfo=UTC)) == []  # drained: all there is, applied


def test_a_close_is_refused_until_the_inputs_are_applied_and_then_settles(billing: Billing) -> None:
    billing.deliver(billing.signed("c1"))
    lagging = Lagging([InputPosition(topics.CONTRACTS.name, 3, 10, 12)])
    billing.client.app.state.inputs = lagging  # type: ignore[attr-defined]

    refused = billing.close("2026-01", "2026-02-01", key="close-jan")
    lagging.positions = []
    closed = billing.close("2026-01", "2026-02-01", key="close-jan")  # the scheduler asks again, same key

    assert refused.status_code == 409 and refused.headers["Retry-After"] == "1"
    assert refused.json()["type"] == "/problems/inputs-not-caught-up"
    assert "fdcs.signing.contracts[3] 10 of 12" in refused.json()["detail"]
    assert lagging.asked == [FEBRUARY, FEBRUARY]
    assert closed.status_code == 200 and closed.json()["already_closed"] is False, closed.text
    assert closed.json()["settlements"] > 0


NEW_YEAR_2026 = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2025's end in China


def test_a_year_of_performance_pay_is_refused_until_its_inputs_are_applied_and_then_distributed(
    billing: Billing,
) -> None:
    year_2025(billing)
    billing.deliver(appraised(billing, "T1", "80.00"), appraised(billing, "T2", "55.00"))
    lagging = Lagging([InputPosition(topics.HEALTH_SERVICES.name, 1, 40, 41)])
    billing.client.app.state.pay_inputs = lagging  # type: ignore[attr-defined]

    refused = distribute(billing)
    lagging.positions = []
    paid = distribute(billing)

    assert refused.status_code == 409 and refused.headers["Retry-After"] == "1"
    assert refused.json()["type"] == "/problems/inputs-not-caught-up"
    assert f"{topics.HEALTH_SERVICES.name}[1] 40 of 41" in refused.json()["detail"]
    assert lagging.asked == [NEW_YEAR_2026, NEW_YEAR_2026]
    assert paid.status_code == 200 and paid.json()["distributed"] == 2, paid.text


def test_a_year_not_over_is_refused_as_such_without_asking_the_inputs(billing: Billing) -> None:
    lagging = Lagging([InputPosition(topics.HEALTH_SERVICES.name, 0, 0, 1)])
    billing.client.app.state.pay_inputs = lagging  # type: ignore[attr-defined]

    refused = distribute(billing, year=2026)

    assert refused.json()["type"] == "/problems/year-not-over" and lagging.asked == []


def test_joined_inputs_ask_by_period_and_the_drained_ones_for_everything() -> None:
    services, appraisals = Lagging([InputPosition("s", 0, 1, 2)]), Lagging([InputPosition("a", 0, 3, 4)])

    behind = Joined([services], drained=[appraisals]).behind(NEW_YEAR_2026)

    assert behind == [InputPosition("s", 0, 1, 2), InputPosition("a", 0, 3, 4)]
    assert (services.asked, appraisals.asked) == ([NEW_YEAR_2026], [EVER])


class Lagging:
    def __init__(self, positions: list[InputPosition]) -> None:
        self.positions, self.asked = positions, list[datetime]()

    def behind(self, period_end: datetime) -> list[InputPosition]:
        self.asked.append(period_end)
        return self.positions


def _partition_of(client: dict[str, Any], topic: str) -> int:
    consumer = Consumer(client | {"group.id": f"probe-{uuid.uuid4().hex[:8]}", "auto.offset.reset": "earliest"})
    try:
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in (0, 1)}
    finally:
        consumer.close()
    return next(p for p, end in ends.items() if end)


def _commit(client: dict[str, Any], group: str, topic: str, partition: int, offset: int) -> None:
    """As billing's consumer does once it has applied the events before `offset`."""
    consumer = Consumer(client | {"group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, partition, offset)], asynchronous=False)
    finally:
        consumer.close()


def test_the_outbox_read_says_how_far_the_relay_has_published_the_log(billing: Billing) -> None:
    """What a caller closing right after the period waits on (the simulation): no event, positions only."""
    billing.deliver(billing.signed("c1"), billing.signed("c2"))
    end = billing.store.last_position()

    before = billing.client.get("/health/outbox").json()  # public, as the other health reads
    billing.store.track(RELAY, end)  # as the relay does once Kafka has the events
    after = billing.client.get("/health/outbox").json()

    assert end > 0 and before == {"log_end": end, "published_through": 0}
    assert after == {"log_end": end, "published_through": end}
