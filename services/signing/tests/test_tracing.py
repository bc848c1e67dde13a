"""One trace from an HTTP request through its command, the stored event, the relay and Kafka
to a consumer: the signing API on PostgreSQL, the session's broker."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared import tracing
from shared.contracts import Envelope, topics
from shared.eventstore import EventStore, RecordedEvent
from shared.messaging import Delivery, KafkaPublisher, KafkaSubscription
from shared.messaging.kafka import client_config
from shared.testing.kafka import eventually, read_topic
from signing.adapters.projections.contract_index import FOLLOWER
from signing.bootstrap import create_relay
from signing.settings import SigningSettings

Api = Any  # the `api` fixture (conftest.Api)
CALLER_TRACE, CALLER_SPAN = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"


def test_a_request_is_one_trace_through_its_command_the_relay_and_a_consumer(
    api: Api, settings: SigningSettings, spans: InMemorySpanExporter
) -> None:
    team = f"T-trace-{uuid.uuid4().hex[:8]}"
    registered = api.post("/teams", api.team_body(team), traceparent=f"00-{CALLER_TRACE}-{CALLER_SPAN}-01")
    assert registered.status_code == 201, registered.text

    server = _one(spans, lambda s: s.kind == SpanKind.SERVER)
    command = _one(spans, lambda s: _parent(s) == _id(server))
    assert server.name == "POST /teams" and server.attributes == {
        "http.request.method": "POST",
        "http.route": "/teams",
        "http.response.status_code": 201,
    }
    assert server.parent is not None and f"{server.parent.span_id:016x}" == CALLER_SPAN, "the caller's child"
    assert {f"{server.context.trace_id:032x}", f"{command.context.trace_id:032x}"} == {CALLER_TRACE}
    assert command.name == "Teams.register" and command.attributes == {"fdcs.command.verdict": "accepted"}

    store: EventStore = api.client.app.state.store
    stored = [e for e in store.read_log(0, 100) if e.stream_id.startswith("team-")]
    parent = f"00-{CALLER_TRACE}-{_id(command):016x}-01"
    assert stored and {e.meta.traceparent for e in stored} == {parent}, "each event keeps its command's span"

    api.search()  # the contract index follows the log: its batch is the command's child
    followed = _one(spans, lambda s: s.kind == SpanKind.CONSUMER)
    assert followed.name == FOLLOWER and _parent(followed) == _id(command)

    create_relay(settings, store).relay_once()
    relayed = _one(spans, lambda s: s.kind == SpanKind.PRODUCER)
    assert [link.context.span_id for link in relayed.links] == [_id(command)]
    ours = lambda ms: [m for m in ms if _key(m) == team]  # noqa: E731 - the topic is the session's
    [message] = ours(read_topic(client_config(settings), topics.TEAMS.name, ours))
    assert Envelope.decode(message.value()).traceparent == parent

    group = f"test-{uuid.uuid4().hex[:8]}"
    consumed = _consume_until(settings, group, lambda d: d.envelope.subject == team)
    assert consumed.envelope.traceparent == parent
    # At least once: a rebalance may hand the event over again, each time in the request's trace.
    applied = [s for s in spans.get_finished_spans() if s.name == group and _parent(s) == _id(command)]
    assert applied and {f"{s.context.trace_id:032x}" for s in applied if s.context} == {CALLER_TRACE}


def test_with_tracing_off_nothing_is_traced_and_events_are_stored_as_before(
    api: Api, settings: SigningSettings
) -> None:
    assert not tracing.enabled(), "no OTEL_EXPORTER_OTLP_ENDPOINT in the tests' settings"
    registered = api.post("/teams", api.team_body("T-untraced"), traceparent=f"00-{CALLER_TRACE}-{CALLER_SPAN}-01")

    assert registered.status_code == 201, registered.text
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider), "no provider, so no exporter"
    store: EventStore = api.client.app.state.store
    stored: list[RecordedEvent] = store.read_log(0, 100)
    assert stored and all(e.meta.traceparent is None for e in stored)
    assert all("traceparent" not in e.meta.to_dict() for e in stored), "stored exactly as before tracing"


def _consume_until(settings: SigningSettings, group: str, found: Any) -> Delivery:
    """The first delivery `found` accepts, handled alone (a batch of one: its span is the event's child)."""
    handled: list[Delivery] = []
    subscription = KafkaSubscription(
        settings, group, [topics.TEAMS.name], handled.extend, KafkaPublisher(settings), batch_size=1
    )
    stop = threading.Event()
    worker = threading.Thread(target=subscription.run, args=(stop,))
    worker.start()
    try:
        eventually(lambda: any(found(d) for d in handled))
    finally:
        stop.set()
        worker.join()
    return next(d for d in handled if found(d))


def _one(spans: InMemorySpanExporter, which: Any) -> ReadableSpan:
    found = [s for s in spans.get_finished_spans() if which(s)]
    assert len(found) == 1, [s.name for s in spans.get_finished_spans()]
    return found[0]


def _id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


def _parent(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def _key(message: Any) -> str:
    return bytes(message.key() or b"").decode()
