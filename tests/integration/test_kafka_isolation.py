"""The broker keeps partners and services apart, checked with their own credentials.

A refusal must reach the client as an authorization error, never as an empty read: each
partner case runs with confluent-kafka (subscribe, as the services read) and kafka-python
(assign: its subscribe only logs the refusal, see the last test), and the partner reads its
own topic too, so the credentials are shown to work. A partner reads no service's stream or dead
letters and writes nowhere; a claims source writes its own topic only (an idempotent producer
needs nothing more) and reads nothing. Users, ACLs and topics are the manifests'.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import kafka
import pytest
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from shared.contracts import topics
from shared.contracts.topics import Topic
from shared.messaging.kafka import producer_config
from shared.servers.broker import PlatformKafka, declared_topics
from shared.servers.principals import PARTNER_TOPICS, Partner, principals
from shared.testing.kafka import produce_raw

TIMEOUT = 15  # seconds any one read or write may take
SERVICES = sorted(user for user in principals() if not user.startswith(tuple(f"{k}-" for k in PARTNER_TOPICS)))
READERS: list[Partner] = ["bureau", "hospital"]  # partners that read their topic; a claims source writes its own
DEAD_LETTERS = [t.name for t in declared_topics() if t.name.startswith("fdcs.deadletter.")]
INTERNAL = declared_topics()  # every service's streams and dead letters, as the manifests declare them
TOPIC_REFUSED, GROUP_REFUSED = "TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED"


@dataclass(frozen=True)
class Partners:
    """Two partners of a kind, each with one message on its topic; `user` acts, `other` is the victim."""

    user: str
    own: Topic
    other_user: str
    other: Topic


@pytest.fixture(scope="module", params=READERS)  # every kind of reading partner the manifests know
def partners(request: pytest.FixtureRequest, broker: PlatformKafka) -> Iterator[Partners]:
    yield _onboarded(broker, request.param)


@pytest.fixture(scope="module")
def claims_sources(broker: PlatformKafka) -> Partners:
    return _onboarded(broker, "claims")


def _onboarded(broker: PlatformKafka, kind: Partner) -> Partners:
    assert broker.enforces_acls, f"these tests need Apache Kafka with ACLs, not {broker.name}"
    ids = [f"{kind[0]}{uuid.uuid4().hex[:10]}" for _ in range(2)]
    users = [broker.onboard(kind, i) for i in ids]
    for i in ids:
        produce_raw(broker.client(), PARTNER_TOPICS[kind](i).name, [(i, i.encode())])
    return Partners(users[0], PARTNER_TOPICS[kind](ids[0]), users[1], PARTNER_TOPICS[kind](ids[1]))


def read_confluent(broker: PlatformKafka, user: str, topic: Topic, group: str) -> bytes | str:
    """The first message's value, or the name of the first error the consumer reports."""
    consumer = Consumer(broker.client(user) | {"group.id": group, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic.name])
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if (message := consumer.poll(0.5)) is not None:
                return message.error().name() if message.error() else message.value()
    finally:
        consumer.close()
    raise AssertionError(f"{user} reading {topic.name} in group {group}: neither a message nor an error")


def kafka_python(broker: PlatformKafka, user: str, group: str) -> kafka.KafkaConsumer:
    return kafka.KafkaConsumer(
        bootstrap_servers=broker.bootstrap,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_plain_username=user,
        sasl_plain_password=broker.passwords[user],
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        request_timeout_ms=TIMEOUT * 1000,
    )


def read_kafka_python(broker: PlatformKafka, user: str, topic: Topic, group: str) -> bytes | str:
    """As above; assign() accepts any topic, the refusal is raised from poll()."""
    consumer = kafka_python(broker, user, group)
    consumer.assign([kafka.TopicPartition(topic.name, p) for p in range(topic.partitions)])
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if records := consumer.poll(500):
                return next(iter(records.values()))[0].value
    except kafka.errors.AuthorizationError as refused:  # e.g. TopicAuthorizationFailedError
        return str(refused.message)
    finally:
        consumer.close()
    raise AssertionError(f"{user} reading {topic.name} in group {group}: neither a message nor an error")


@pytest.mark.parametrize("read", [read_confluent, read_kafka_python], ids=["confluent", "kafka-python"])
@pytest.mark.parametrize("case", ["own topic", "other's topic", "other's group"])
def test_a_partner_reads_its_own_topic_in_its_own_groups_only(
    broker: PlatformKafka, partners: Partners, read: Any, case: str
) -> None:
    p, suffix = partners, f".isolation-{uuid.uuid4().hex[:6]}"
    topic, group, expected = {
        "own topic": (p.own, p.user + suffix, p.own.name.rsplit(".", 1)[1].encode()),
        "other's topic": (p.other, p.user + suffix, TOPIC_REFUSED),
        "other's group": (p.own, p.other_user + suffix, GROUP_REFUSED),
    }[case]
    got = read(broker, p.user, topic, group)
    assert got == expected, f"{p.user} reading {topic.name} in group {group}: got {got!r}, expected {expected!r}"


def write(broker: PlatformKafka, user: str, names: list[str], idempotent: bool = True) -> dict[str, str | None]:
    """Each topic's delivery outcome (None: written, else the error's name), as `user` produces
    one message to each with production's settings (acks=all, idempotent)."""
    outcome: dict[str, str | None] = {}
    config = producer_config(broker.settings(user)) | {"message.timeout.ms": TIMEOUT * 1000}
    producer = Producer(config | {"enable.idempotence": idempotent})
    for name in names:
        on_delivery = lambda error, _m, name=name: outcome.__setitem__(name, error and error.name())  # noqa: E731
        producer.produce(name, b"isolation", key=b"isolation", on_delivery=on_delivery)
    assert producer.flush(TIMEOUT + 5) == 0, f"{user}: messages still undelivered"
    return outcome


def service_of(topic: str) -> str:
    """fdcs.health_records.services -> health-records; fdcs.deadletter.billing.inbound -> billing."""
    parts = topic.split(".")
    return (parts[2] if parts[1] == "deadletter" else parts[1]).replace("_", "-")


@pytest.mark.parametrize("user", SERVICES)
def test_a_service_writes_only_its_own_streams_and_dead_letters_and_creates_no_topic(
    broker: PlatformKafka, user: str
) -> None:
    # Its own streams are read by other tests from the beginning: a stray message there would
    # break them, so its write is shown on a new topic of its prefix, as the manifests grant.
    scratch = Topic(f"fdcs.{user.replace('-', '_')}.isolation-{uuid.uuid4().hex[:6]}", key="", partitions=1)
    broker.declare(scratch)
    names = [scratch.name] + [t.name for t in topics.ALL if service_of(t.name) != user] + DEAD_LETTERS
    expected = {name: None if service_of(name) == user else TOPIC_REFUSED for name in names}
    assert write(broker, user, names) == expected, f"{user}: which topics it may write"
    new = NewTopic(f"fdcs.{user.replace('-', '_')}.isolation-{uuid.uuid4().hex[:6]}", num_partitions=1)
    admin = AdminClient(broker.client(user))  # kept until the future is done: dropping it cancels it
    with pytest.raises(KafkaException) as refused:
        admin.create_topics([new], request_timeout=TIMEOUT)[new.topic].result(TIMEOUT)
    assert refused.value.args[0].name() == TOPIC_REFUSED, f"{user} creating {new.topic}: {refused.value}"


@pytest.mark.parametrize("topic", INTERNAL, ids=[t.name for t in INTERNAL])
def test_a_partner_reads_no_internal_topic(broker: PlatformKafka, partners: Partners, topic: Topic) -> None:
    got = read_confluent(broker, partners.user, topic, f"{partners.user}.isolation-{uuid.uuid4().hex[:6]}")
    assert got == TOPIC_REFUSED, f"{partners.user} reading {topic.name}: got {got!r}"


def test_a_partner_writes_nowhere_not_even_its_own_topic(broker: PlatformKafka, partners: Partners) -> None:
    # Idempotent, the producer would fail before any topic: CLUSTER_AUTHORIZATION_FAILED (InitProducerId).
    names = [partners.own.name, partners.other.name, *(t.name for t in INTERNAL)]
    got = write(broker, partners.user, names, idempotent=False)
    assert got == dict.fromkeys(names, TOPIC_REFUSED), f"{partners.user}: which topics it may write"


def test_kafka_python_subscribe_hides_the_refusal(broker: PlatformKafka, partners: Partners) -> None:
    """Why kafka-python reads by assign() above: subscribed to a forbidden topic, its consumer
    only logs "not authorized" and polls nothing (an empty read), so a partner must not rely on it."""
    consumer = kafka_python(broker, partners.user, f"{partners.user}.isolation")
    consumer.subscribe([partners.other.name])
    try:
        assert not any(consumer.poll(500) for _ in range(6)), f"{partners.user} read {partners.other.name}"
        assert consumer.partitions_for_topic(partners.other.name) == set()
    finally:
        consumer.close()


def test_a_claims_source_writes_its_own_topic_only_and_billing_reads_it(
    broker: PlatformKafka, claims_sources: Partners
) -> None:
    p = claims_sources
    got = read_confluent(broker, "billing", p.own, f"billing.isolation-{uuid.uuid4().hex[:6]}")
    assert got == p.own.name.rsplit(".", 1)[1].encode(), "billing reads every claims source's topic"
    names = [p.own.name, p.other.name, *(t.name for t in INTERNAL)]
    expected = {name: None if name == p.own.name else TOPIC_REFUSED for name in names}
    assert write(broker, p.user, names) == expected, f"{p.user}: which topics it may write (idempotent)"


@pytest.mark.parametrize("topic", ["own", "other"])
def test_a_claims_source_reads_nothing(broker: PlatformKafka, claims_sources: Partners, topic: str) -> None:
    p = claims_sources
    got = read_confluent(broker, p.user, p.own if topic == "own" else p.other, f"{p.user}.isolation")
    assert got in (TOPIC_REFUSED, GROUP_REFUSED), f"{p.user} reading its {topic} topic: got {got!r}"
