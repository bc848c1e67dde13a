"""The real broker enforces the manifests' ACLs: a service or partner gets an authorization
error, never an empty read, where production would refuse it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer

from shared.contracts import topics
from shared.contracts.topics import Topic
from shared.servers.broker import PlatformKafka
from shared.servers.kafka import ApacheKafka, Credentials
from shared.servers.principals import partner_acls, partner_user, principals


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApacheKafka]:
    broker = ApacheKafka(tmp_path_factory.mktemp("kafka")).start()
    create_topics(broker, topics.REFERRALS, topics.CONTRACTS)
    yield broker
    broker.stop()


def create_topics(kafka: ApacheKafka, *made: Topic) -> None:
    """As the harness does (PlatformKafka.declare): services may not create topics."""
    PlatformKafka(kafka.bootstrap, kafka).declare(*made)


def produce(kafka: ApacheKafka, user: Credentials, topic: str, value: bytes) -> KafkaError | None:
    """Produce one message as production does (acks=all, idempotent); the delivery's error, if any."""
    config = kafka.client_config(user) | {"acks": "all", "enable.idempotence": True, "message.timeout.ms": 10_000}
    producer = Producer(config)
    outcome: list[KafkaError | None] = []
    producer.produce(topic, value, on_delivery=lambda error, _: outcome.append(error))
    producer.flush(15)
    assert outcome, f"no delivery report for {topic} within 15s"
    return outcome[0]


def first_event(kafka: ApacheKafka, user: Credentials, group: str, topic: str) -> Message:
    """The first message or error a consumer of `topic` sees."""
    config: dict[str, Any] = kafka.client_config(user) | {"group.id": group, "auto.offset.reset": "earliest"}
    consumer = Consumer(config)
    consumer.subscribe([topic])
    try:
        for _ in range(30):
            event = consumer.poll(1)
            if event is not None:
                return event
        raise AssertionError(f"nothing, not even an error, from {topic} within 30s")
    finally:
        consumer.close()


def test_a_service_writes_its_own_stream_and_not_another_services(kafka: ApacheKafka) -> None:
    referral = kafka.add_user("referral", "referral-secret", principals()["referral"])

    assert produce(kafka, referral, topics.REFERRALS.name, b"mine") is None
    refused = produce(kafka, referral, topics.CONTRACTS.name, b"not mine")
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_a_hospital_reads_its_own_topic_and_is_refused_another_hospitals(kafka: ApacheKafka) -> None:
    mine, theirs = topics.hospital("h9000001"), topics.hospital("h9000002")
    create_topics(kafka, mine, theirs)
    assert produce(kafka, kafka.admin, mine.name, b"for h9000001") is None
    assert produce(kafka, kafka.admin, theirs.name, b"for h9000002") is None
    user = partner_user("hospital", "h9000001")
    hospital = kafka.add_user(user, acls=partner_acls("hospital", "h9000001"))

    own = first_event(kafka, hospital, f"{user}.referrals", mine.name)
    assert own.error() is None and own.value() == b"for h9000001"
    other = first_event(kafka, hospital, f"{user}.snooping", theirs.name)
    assert other.error() is not None and other.error().code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_a_wrong_password_is_refused(kafka: ApacheKafka) -> None:
    kafka.add_user("signing", "right", principals()["signing"])
    errors: list[KafkaError] = []
    config = kafka.client_config(Credentials("signing", "wrong")) | {"error_cb": errors.append}
    producer = Producer(config)
    for _ in range(20):
        if errors:
            break
        producer.poll(0.5)
    del producer  # before it retries against a stopped broker
    assert errors and errors[0].code() == KafkaError._AUTHENTICATION


def test_what_was_acknowledged_survives_a_crash(kafka: ApacheKafka) -> None:
    topic = topics.Topic("fdcs.referral.durable", key="k", partitions=1)
    create_topics(kafka, topic)
    assert produce(kafka, kafka.admin, topic.name, b"acknowledged") is None

    kafka.kill()
    kafka.start()

    after = first_event(kafka, kafka.admin, "harness.durability", topic.name)
    assert after.error() is None and after.value() == b"acknowledged"


def test_a_broker_a_killed_session_left_behind_is_stopped_and_nothing_else(tmp_path: Path) -> None:
    left = ApacheKafka(tmp_path / "left").start()
    pid = int((tmp_path / "left" / "kafka.pid").read_text())

    (tmp_path / "reused").mkdir()
    (tmp_path / "reused" / "kafka.pid").write_text(str(os.getpid()))  # a PID reused by another process
    ApacheKafka(tmp_path / "reused").stop_leftover()
    ApacheKafka(tmp_path / "left").stop_leftover()  # the next session, finding it

    for _ in range(100):
        if left._process is not None and left._process.poll() is not None:
            break
        time.sleep(0.1)
    assert left._process is not None and left._process.poll() is not None, f"broker {pid} still runs"
    left.stop()  # only reaps
