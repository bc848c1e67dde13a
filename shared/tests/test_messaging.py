"""The relay and subscriptions against the real (embedded) Kafka-protocol broker."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.contracts import Envelope, topics
from shared.contracts.topics import Topic
from shared.eventstore import EventMeta, EventStore, NewEvent, RecordedEvent
from shared.messaging import Delivery, KafkaPublisher, KafkaSubscription, Message, Relay, ensure_topics
from shared.messaging.kafka import client_config
from shared.servers.broker import PlatformKafka
from shared.servers.tansu import EmbeddedBroker
from shared.settings import ServiceSettings
from shared.testing.kafka import eventually, produce_raw, read_topic

GOLDEN = Path(topics.__file__).with_name("fixtures") / "signing.ContractSigned.v1.json"


@pytest.fixture(scope="module")
def tansu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformKafka]:
    embedded = EmbeddedBroker(log_file=tmp_path_factory.mktemp("tansu") / "broker.log").start()
    yield PlatformKafka(embedded.bootstrap, embedded)
    embedded.stop()


@pytest.fixture(params=["apache", "tansu"])
def kafka(request: pytest.FixtureRequest) -> PlatformKafka:
    """The compatibility suite: the same tests on Apache Kafka and on the fallback `make run`
    uses where Java is absent, so the fallback stays honest."""
    found: PlatformKafka = request.getfixturevalue("broker" if request.param == "apache" else "tansu")
    return found


@pytest.fixture
def settings(kafka: PlatformKafka) -> ServiceSettings:
    fast = {"kafka_session_timeout_ms": 2000, "kafka_heartbeat_interval_ms": 500, "kafka_fetch_wait_max_ms": 50}
    return kafka.settings().model_copy(update=fast)


@pytest.fixture
def topic(settings: ServiceSettings) -> Topic:
    made = Topic(f"test.{uuid.uuid4().hex[:8]}", key="stream")
    ensure_topics(settings, [made])
    return made


def enveloped(topic: Topic) -> Any:
    def translate(recorded: RecordedEvent) -> list[Message]:
        envelope = Envelope(
            id=recorded.meta.event_id,
            source="/test",
            type=recorded.type,
            subject=recorded.stream_id,
            time=recorded.meta.occurred_at,
            correlationid="c",
            causationid="c",
            data=recorded.data,
        )
        return [Message(topic.name, recorded.stream_id, envelope.encode())]

    return translate


def append(store: EventStore, stream: str, versions: range) -> None:
    meta = lambda: EventMeta(str(uuid.uuid4()), datetime.now(UTC), "c", "c", "t")  # noqa: E731
    store.append([NewEvent(stream, v, "test.Happened.v1", {"v": v}, meta()) for v in versions])


def test_the_relay_publishes_the_log_in_order_and_records_its_position(
    store: EventStore, settings: ServiceSettings, topic: Topic
) -> None:
    append(store, "a", range(1, 4))
    append(store, "b", range(1, 3))

    Relay(store, KafkaPublisher(settings), enveloped(topic)).relay_once()

    got = read_topic(client_config(settings), topic.name, lambda ms: len(ms) >= 5)
    per_stream: dict[str, list[int]] = {}
    for m in got:
        per_stream.setdefault(m.key().decode(), []).append(json.loads(m.value())["data"]["v"])
    assert per_stream == {"a": [1, 2, 3], "b": [1, 2]}
    assert store.tracked("kafka-relay") == store.last_position()


class CrashAfterPublishing(EventStore):
    """The relay dies after the broker acknowledged, before it recorded its position."""

    def __init__(self, inner: EventStore) -> None:
        self.__dict__.update(inner.__dict__)

    def track(self, reader: str, position: int) -> None:
        raise ConnectionError("killed")


def test_a_crash_before_recording_republishes_the_same_event_ids(
    store: EventStore, settings: ServiceSettings, topic: Topic
) -> None:
    append(store, "a", range(1, 3))
    with pytest.raises(ConnectionError):
        Relay(CrashAfterPublishing(store), KafkaPublisher(settings), enveloped(topic)).relay_once()

    Relay(store, KafkaPublisher(settings), enveloped(topic)).relay_once()

    got = read_topic(client_config(settings), topic.name, lambda ms: len(ms) >= 4)
    ids = [json.loads(m.value())["id"] for m in got]
    assert len(ids) == 4 and len(set(ids)) == 2, "republished, never lost, same ids to deduplicate on"


def test_undecodable_messages_go_to_the_dead_letter_topic_and_the_rest_is_handled(
    settings: ServiceSettings, topic: Topic
) -> None:
    golden = json.loads(GOLDEN.read_text())
    bad_data = {**golden, "id": "bad-data", "data": {**golden["data"], "term_years": 9}}
    produce_raw(
        client_config(settings),
        topic.name,
        [
            ("k1", b"{not json"),
            ("k2", json.dumps(bad_data).encode()),
            ("k3", json.dumps(golden).encode()),
        ],
    )
    handled: list[Delivery] = []
    group = f"test-{uuid.uuid4().hex[:8]}"
    subscription = KafkaSubscription(settings, group, [topic.name], handled.extend, KafkaPublisher(settings))
    stop = threading.Event()
    worker = threading.Thread(target=subscription.run, args=(stop,))
    worker.start()
    try:
        eventually(lambda: handled)
        dead = read_topic(client_config(settings), topics.dead_letters(group).name, lambda ms: len(ms) >= 2)
    finally:
        stop.set()
        worker.join()

    assert [d.envelope.id for d in handled] == [golden["id"]]
    assert handled[0].partition >= 0 and handled[0].offset >= 0, "each delivery says where it was read"
    reasons = {m.key().decode(): dict(m.headers())["dlq-reason"].decode() for m in dead}
    assert set(reasons) == {"k1", "k2"}
    assert "term_years" in reasons["k2"]


def test_a_failing_handler_gets_the_batch_again(settings: ServiceSettings, topic: Topic) -> None:
    golden = json.loads(GOLDEN.read_text())
    produce_raw(client_config(settings), topic.name, [("k", json.dumps(golden).encode())])
    attempts: list[int] = []

    def flaky(batch: Sequence[Delivery]) -> None:
        attempts.append(len(batch))
        if len(attempts) < 3:
            raise ConnectionError("database restarting")

    subscription = KafkaSubscription(
        settings, f"test-{uuid.uuid4().hex[:8]}", [topic.name], flaky, KafkaPublisher(settings)
    )
    stop = threading.Event()
    worker = threading.Thread(target=subscription.run, args=(stop,))
    worker.start()
    try:
        eventually(lambda: len(attempts) >= 3)
    finally:
        stop.set()
        worker.join()
    assert attempts[:3] == [1, 1, 1]
