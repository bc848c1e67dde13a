"""The relay and subscriptions against the real (embedded) Kafka-protocol broker."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition
from prometheus_client import REGISTRY

from fdcs.cli import main
from shared.contracts import Envelope, topics
from shared.contracts.topics import Topic
from shared.eventstore import EventMeta, EventStore, NewEvent, PostgresStore, RecordedEvent
from shared.messaging import Delivery, KafkaPublisher, KafkaSubscription, Message, Relay, ensure_topics
from shared.messaging import subscription as subscription_module
from shared.messaging.dead_letters import dead_letters_of, replay
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


HAPPENED = {"test.Happened.v1"}
"""The one type these tests' relays publish."""


def append(store: EventStore, stream: str, versions: range) -> None:
    meta = lambda: EventMeta(str(uuid.uuid4()), datetime.now(UTC), "c", "c", "t")  # noqa: E731
    store.append([NewEvent(stream, v, "test.Happened.v1", {"v": v}, meta()) for v in versions])


def test_the_relay_publishes_the_log_in_order_and_records_its_position(
    store: EventStore, settings: ServiceSettings, topic: Topic
) -> None:
    append(store, "a", range(1, 4))
    append(store, "b", range(1, 3))
    published = REGISTRY.get_sample_value("fdcs_relay_published_positions_total") or 0

    Relay(store, KafkaPublisher(settings), enveloped(topic), HAPPENED).relay_once()

    got = read_topic(client_config(settings), topic.name, lambda ms: len(ms) >= 5)
    per_stream: dict[str, list[int]] = {}
    for m in got:
        per_stream.setdefault(m.key().decode(), []).append(json.loads(m.value())["data"]["v"])
    assert per_stream == {"a": [1, 2, 3], "b": [1, 2]}
    assert store.tracked("kafka-relay") == store.last_position()
    assert REGISTRY.get_sample_value("fdcs_relay_published_positions_total") == published + 5
    assert REGISTRY.get_sample_value("fdcs_relay_lag_positions") == 0


def test_a_relay_told_its_types_publishes_those_and_stands_after_the_rest(
    store: EventStore, settings: ServiceSettings, topic: Topic
) -> None:
    append(store, "a", range(1, 3))
    store.append([NewEvent("b", 1, "test.Internal.v1", {"v": 1}, EventMeta("i", datetime.now(UTC), "c", "c", "t"))])
    published = REGISTRY.get_sample_value("fdcs_relay_published_positions_total") or 0

    relay = Relay(store, KafkaPublisher(settings), enveloped(topic), HAPPENED)
    assert (relay.relay_once(), relay.relay_once()) == (3, 0)

    got = read_topic(client_config(settings), topic.name, lambda ms: len(ms) >= 2)
    assert [(m.key().decode(), json.loads(m.value())["data"]["v"]) for m in got] == [("a", 1), ("a", 2)]
    assert store.tracked("kafka-relay") == store.last_position(), "past the internal event at the end"
    assert REGISTRY.get_sample_value("fdcs_relay_published_positions_total") == published + 3


class CrashAfterPublishing(PostgresStore):
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
        Relay(CrashAfterPublishing(store), KafkaPublisher(settings), enveloped(topic), HAPPENED).relay_once()

    Relay(store, KafkaPublisher(settings), enveloped(topic), HAPPENED).relay_once()

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


FAST_RETRIES = {"consumer_max_attempts": 3, "consumer_retry_seconds": 0.01, "consumer_retry_max_seconds": 0.02}


class Projection:
    """A handler like the services': one transaction per call (all of the batch or nothing),
    idempotent by event id; it raises on the events it is told are poison."""

    def __init__(self, poison: set[str], flaky: dict[str, int] | None = None) -> None:
        self.applied: list[str] = []
        self.calls: list[list[str]] = []
        self._poison, self._flaky = poison, flaky or {}

    def handle(self, batch: Sequence[Delivery]) -> None:
        ids = [d.envelope.id for d in batch]
        self.calls.append(ids)
        for i in ids:
            if i in self._poison:
                raise KeyError(f"no rule for event {i}")
            if self._flaky.get(i, 0) > 0:
                self._flaky[i] -= 1
                raise RuntimeError("a rule not met yet")
        self.applied += [i for i in ids if i not in self.applied]  # the commit


def events(*ids: str) -> list[tuple[str, bytes]]:
    golden = json.loads(GOLDEN.read_text())
    return [("same-stream", json.dumps({**golden, "id": i}).encode()) for i in ids]


def running(subscription: KafkaSubscription) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    worker = threading.Thread(target=subscription.run, args=(stop,))
    worker.start()
    return stop, worker


COUNTERS = ("fdcs_dead_letters_total", "fdcs_projection_events_applied_total")


def test_a_poison_event_goes_to_the_dead_letters_and_the_partition_moves_on(  # noqa: PLR0913
    kafka: PlatformKafka,
    settings: ServiceSettings,
    topic: Topic,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings.model_copy(update=FAST_RETRIES)
    produce_raw(client_config(settings), topic.name, events("good-1", "poison", "good-2"))
    projection = Projection(poison={"poison"})
    group = f"test-{uuid.uuid4().hex[:8]}"
    subscription = KafkaSubscription(settings, group, [topic.name], projection.handle, KafkaPublisher(settings))
    stop, worker = running(subscription)
    try:
        eventually(lambda: {"good-1", "good-2"} <= set(projection.applied))
        dead = read_topic(client_config(settings), topics.dead_letters(group).name, lambda ms: len(ms) >= 1)
        produce_raw(client_config(settings), topic.name, events("later"))
        eventually(lambda: "later" in projection.applied)
        # Its commit too: stopped between the two, the batch would come again (at least once).
        eventually(lambda: _committed(settings, group, topic) == 4)
    finally:
        stop.set()
        worker.join()

    assert projection.applied == ["good-1", "good-2", "later"], "each good event applied once, in order"
    [letter] = dead
    headers = {k: v.decode() for k, v in letter.headers()}
    assert json.loads(letter.value())["id"] == "poison" and letter.key() == b"same-stream"
    assert headers["dlq-reason"] == "KeyError: 'no rule for event poison'"
    assert headers["dlq-topic"] == topic.name
    assert int(headers["dlq-partition"]) >= 0
    assert int(headers["dlq-offset"]) == 1, "the second message of its partition"
    # 3 in its batch, then 3 alone (or only 3, if the broker happened to hand it over alone)
    assert headers["dlq-attempts"] in {"3", "6"}
    where = f"{topic.name}[{headers['dlq-partition']}]@1"
    warned = [r.getMessage() for r in caplog.records if r.getMessage().startswith("dead-lettered")]
    assert warned == [f"dead-lettered {where} after {headers['dlq-attempts']} attempts: {headers['dlq-reason']}"]
    assert "ContractSigned" not in " ".join(r.getMessage() for r in caplog.records), "never the payload"
    counted = {name: REGISTRY.get_sample_value(name, {"group": group}) for name in COUNTERS}
    assert counted == {"fdcs_dead_letters_total": 1, "fdcs_projection_events_applied_total": 3}

    # What was committed is past the poison: the group, started again, reads nothing old.
    again = Projection(poison=set())
    stop, worker = running(KafkaSubscription(settings, group, [topic.name], again.handle, KafkaPublisher(settings)))
    try:
        produce_raw(client_config(settings), topic.name, events("last"))
        eventually(lambda: "last" in again.applied)
    finally:
        stop.set()
        worker.join()
    assert again.applied == ["last"]

    # An operator lists them: where from, how many attempts, why; never the payload.
    for name, value in kafka.environment().items():
        monkeypatch.setenv(name, value)
    assert main(["dead-letters", group, "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "offset\tstatus\tsource\tattempts\treason",
        f"0\topen\t{where}\t{headers['dlq-attempts']}\t{headers['dlq-reason']}",
    ]
    assert dead_letters_of(settings, f"never-{uuid.uuid4().hex[:8]}") == [], "a group with none has none"

    # The cause fixed, the operator replays it: applied once, even when replayed again.
    fixed = Projection(poison=set())
    assert replay(settings, group, fixed.handle) == ([0], {})
    assert replay(settings, group, fixed.handle) == ([], {})
    assert fixed.applied == ["poison"] and [d.status for d in dead_letters_of(settings, group)] == ["replayed"]


@pytest.mark.parametrize("kafka", ["apache"], indirect=True)  # the fallback misreports where its topics end
def test_a_dead_letter_failing_again_stays_open_and_one_not_wanted_is_discarded(
    kafka: PlatformKafka, settings: ServiceSettings, topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update=FAST_RETRIES)
    produce_raw(client_config(settings), topic.name, events("poison-1", "poison-2"))
    projection = Projection(poison={"poison-1", "poison-2"})
    group = f"test-{uuid.uuid4().hex[:8]}"
    stop, worker = running(
        KafkaSubscription(settings, group, [topic.name], projection.handle, KafkaPublisher(settings))
    )
    try:
        eventually(lambda: len(dead_letters_of(settings, group)) == 2, timeout=30)
    finally:
        stop.set()
        worker.join()

    done, failed = replay(settings, group, Projection(poison={"poison-1", "poison-2"}).handle, offsets=[0])
    for name, value in kafka.environment().items():
        monkeypatch.setenv(name, value)
    assert main(["dead-letters", group, "discard"]) == 2, "discarding needs the letters named"
    assert main(["dead-letters", group, "discard", "--offset", "1"]) == 0
    assert main(["dead-letters", group, "replay"]) == 2, "no consumer of the platform reads as a test group"

    assert done == [] and failed == {0: "KeyError: 'no rule for event poison-1'"}
    assert [(d.offset, d.status) for d in dead_letters_of(settings, group)] == [(0, "open"), (1, "discarded")]


def test_a_transient_failure_is_retried_and_applied_without_dead_letters(
    settings: ServiceSettings, topic: Topic
) -> None:
    settings = settings.model_copy(update=FAST_RETRIES)
    produce_raw(client_config(settings), topic.name, events("a", "b"))
    projection = Projection(poison=set(), flaky={"b": 2})
    group = f"test-{uuid.uuid4().hex[:8]}"
    subscription = KafkaSubscription(settings, group, [topic.name], projection.handle, KafkaPublisher(settings))
    stop, worker = running(subscription)
    try:
        eventually(lambda: projection.applied == ["a", "b"])
    finally:
        stop.set()
        worker.join()
    assert sum("b" in call for call in projection.calls) == 3, "failed twice, then applied"
    with pytest.raises(AssertionError, match="condition not met"):
        read_topic(client_config(settings), topics.dead_letters(group).name, lambda ms: len(ms) >= 1, timeout=2)


def test_an_infrastructure_failure_is_retried_beyond_the_attempts(settings: ServiceSettings, topic: Topic) -> None:
    settings = settings.model_copy(update=FAST_RETRIES)
    produce_raw(client_config(settings), topic.name, events("a"))
    calls: list[int] = []

    def database_away(batch: Sequence[Delivery]) -> None:
        calls.append(len(batch))
        if len(calls) <= 5:
            raise ConnectionError("database restarting")

    group = f"test-{uuid.uuid4().hex[:8]}"
    stop, worker = running(KafkaSubscription(settings, group, [topic.name], database_away, KafkaPublisher(settings)))
    try:
        eventually(lambda: len(calls) >= 6)
    finally:
        stop.set()
        worker.join()
    with pytest.raises(AssertionError, match="condition not met"):
        read_topic(client_config(settings), topics.dead_letters(group).name, lambda ms: len(ms) >= 1, timeout=2)


def test_a_batch_retried_past_the_poll_interval_keeps_its_place_and_is_applied_once(
    settings: ServiceSettings, topic: Topic
) -> None:
    """The database is away three times longer than the group waits for a poll: the consumer
    keeps its membership while it retries, so the batch is applied once and committed."""
    slow = {"kafka_max_poll_interval_ms": 2500, "consumer_retry_seconds": 0.5, "consumer_retry_max_seconds": 1}
    settings = settings.model_copy(update=slow)
    produce_raw(client_config(settings), topic.name, events("a", "b"))
    applied: list[str] = []
    first_call: list[float] = []

    def database_away(batch: Sequence[Delivery]) -> None:
        first_call.append(first_call[0] if first_call else time.monotonic())
        if time.monotonic() - first_call[0] < 7.5:
            raise ConnectionError("database restarting")
        applied.extend(d.envelope.id for d in batch)

    group = f"test-{uuid.uuid4().hex[:8]}"
    stop, worker = running(KafkaSubscription(settings, group, [topic.name], database_away, KafkaPublisher(settings)))
    try:
        eventually(lambda: applied == ["a", "b"], timeout=30)
        produce_raw(client_config(settings), topic.name, events("c"))
        eventually(lambda: applied == ["a", "b", "c"])
        time.sleep(3)  # a consumer that had left the group would be handed a, b again by now
    finally:
        stop.set()
        worker.join()
    assert applied == ["a", "b", "c"]
    assert _committed(settings, group, topic) == 3


def _committed(settings: ServiceSettings, group: str, topic: Topic) -> int:
    consumer = Consumer(client_config(settings) | {"group.id": group})
    try:
        return int(sum(max(p.offset, 0) for p in consumer.committed(_partitions(topic), timeout=10)))
    finally:
        consumer.close()


def _partitions(topic: Topic) -> list[TopicPartition]:
    return [TopicPartition(topic.name, p) for p in range(topic.partitions)]


def test_in_time_order_the_events_of_several_topics_come_as_they_were_recorded(
    settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One topic produced whole before the other (a backlog, as a rebuild reads it), read with
    batches of 10, so partitions far ahead are paused and resumed: each event is handled once,
    all in the order of their times, and every offset is committed."""
    monkeypatch.setattr(subscription_module, "_PATIENCE", 10.0)  # however slow this machine fetches
    first, second = (Topic(f"test.{uuid.uuid4().hex[:8]}", key="stream", partitions=2) for _ in range(2))
    ensure_topics(settings, [first, second])
    golden, start = json.loads(GOLDEN.read_text()), datetime(2026, 1, 1, tzinfo=UTC)

    def at(n: int, stream: str) -> tuple[str, bytes]:
        time = (start + timedelta(minutes=n)).isoformat()
        return stream, json.dumps({**golden, "id": f"e{n}", "time": time}).encode()

    produce_raw(client_config(settings), first.name, [at(n, f"s{n % 4}") for n in range(0, 300, 2)])
    produce_raw(client_config(settings), second.name, [at(n, f"s{n % 4}") for n in range(1, 300, 2)])
    handled: list[Delivery] = []
    group = f"test-{uuid.uuid4().hex[:8]}"
    ordered = KafkaSubscription(
        settings, group, [first.name, second.name], handled.extend, KafkaPublisher(settings), batch_size=10,
        in_time_order=True,
    )  # fmt: skip
    stop, worker = running(ordered)
    try:
        eventually(lambda: len(handled) >= 300, timeout=60)
        eventually(lambda: committed(settings, group, [first, second]) == 300, timeout=30)
    finally:
        stop.set()
        worker.join()

    assert [d.envelope.id for d in handled] == [f"e{n}" for n in range(300)]


def committed(settings: ServiceSettings, group: str, of: list[Topic]) -> int:
    consumer = Consumer(client_config(settings) | {"group.id": group})
    try:
        asked = [TopicPartition(t.name, p) for t in of for p in range(t.partitions)]
        return sum(max(tp.offset, 0) for tp in consumer.committed(asked, timeout=10))
    finally:
        consumer.close()
