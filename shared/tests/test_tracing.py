"""Tracing's pieces: the consumer's span (child or links), commands stamping their events, logs
carrying the trace id, old events and envelopes without a trace, and export by OTLP over HTTP."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared import logs, tracing
from shared.commands import CommandProcessor
from shared.contracts import Envelope, topics
from shared.eventstore import EventMeta, EventStore
from shared.tests.test_command_processor import CAPACITY, BoxFull, context, take_place

A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
B = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
GOLDEN = Path(topics.__file__).with_name("fixtures") / "signing.ContractSigned.v1.json"


def test_a_consumer_handling_one_event_continues_its_trace(spans: InMemorySpanExporter) -> None:
    with tracing.consuming("billing.contracts", [A]):
        pass

    [span] = spans.get_finished_spans()
    assert span.name == "billing.contracts" and span.kind == SpanKind.CONSUMER
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "b7ad6b7169203331"
    assert f"{span.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"


def test_a_batch_links_to_each_distinct_trace_and_a_bad_traceparent_is_no_error(spans: InMemorySpanExporter) -> None:
    with tracing.consuming("g", [A, B, A, None, "not-a-traceparent"]):
        pass
    with tracing.consuming("g", ["00-zz"]):
        pass

    batch, garbled = spans.get_finished_spans()
    assert batch.parent is None and [f"{link.context.span_id:016x}" for link in batch.links] == [
        "b7ad6b7169203331",
        "00f067aa0ba902b7",
    ]
    assert batch.attributes is not None and batch.attributes["messaging.batch.message_count"] == 5
    assert garbled.parent is None and not garbled.links, "a trace of its own"


def test_a_relay_batch_links_to_at_most_what_a_span_keeps() -> None:
    many = [f"00-{n:032x}-{n:016x}-01" for n in range(1, 501)]
    assert len(tracing.links_to(many)) == tracing.MOST_LINKS
    assert tracing.links_to([f"ff-{A[3:]}", "00-" + "0" * 32 + "-b7ad6b7169203331-01"]) == [], "not traceparents"
    assert tracing.remote({"traceparent": "garbage"}) is None and tracing.parent_of("00-zz") is None


def test_a_command_run_by_a_consumer_is_a_child_of_its_span_and_stamps_its_events(
    store: EventStore, spans: InMemorySpanExporter
) -> None:
    processor = CommandProcessor(store)
    with tracing.consuming("g", [A]):
        processor.execute_now(take_place("b1", "r1"), context())
    processor.close()

    command = _named(spans, "take_place")
    consumer = _named(spans, "g")
    assert command.parent is not None and command.parent.span_id == _id(consumer)
    assert command.attributes == {"fdcs.command.verdict": "accepted"}
    [event] = store.read("box-b1")
    assert event.meta.traceparent == f"00-0af7651916cd43dd8448eb211c80319c-{_id(command):016x}-01"


def test_a_refused_command_is_an_answer_not_an_error(store: EventStore, spans: InMemorySpanExporter) -> None:
    processor = CommandProcessor(store)
    for n in range(CAPACITY):
        processor.execute_now(take_place("b1", f"r{n}"), context())
    with pytest.raises(BoxFull):
        processor.execute_now(take_place("b1", "one too many"), context())
    processor.close()

    refused = spans.get_finished_spans()[-1]
    assert refused.attributes == {"fdcs.command.verdict": "refused"}
    assert refused.status.status_code is StatusCode.UNSET, "neither ok nor failed"


def test_lines_logged_in_a_span_carry_its_trace_id(spans: InMemorySpanExporter) -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "applied", None, None)
    with tracing.consuming("g", [B]):
        line = json.loads(logs.JsonLines("billing").format(record))
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_with_tracing_off_spans_are_none_and_nothing_is_stamped(store: EventStore) -> None:
    assert not tracing.enabled()
    with tracing.span("x") as span, tracing.consuming("g", [A]) as consumed:
        assert span is None and consumed is None and tracing.traceparent(span) is None
    processor = CommandProcessor(store)
    processor.execute_now(take_place("b1", "r1"), context())
    processor.close()
    assert store.read("box-b1")[0].meta.traceparent is None


def test_events_and_envelopes_from_before_tracing_still_read() -> None:
    old = {"event_id": "e", "occurred_at": "2026-01-05T09:30:00+00:00", "correlation_id": "c"}
    meta = EventMeta.from_dict({**old, "causation_id": "c", "actor": "a"})
    assert meta.traceparent is None and "traceparent" not in meta.to_dict()
    traced = EventMeta("e", datetime(2026, 1, 5, tzinfo=UTC), "c", "c", "a", A)
    assert EventMeta.from_dict(traced.to_dict()) == traced

    envelope = Envelope.decode(GOLDEN.read_bytes())
    assert envelope.traceparent is None and b"traceparent" not in envelope.encode()
    with_trace = envelope.model_copy(update={"traceparent": A})
    assert Envelope.decode(with_trace.encode()).traceparent == A


@pytest.fixture
def collector() -> Iterator[list[tuple[str, str, bytes]]]:
    """A stand-in OTLP/HTTP collector: what was posted, where, as what."""
    received: list[tuple[str, str, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    received.append(("", f"http://127.0.0.1:{server.server_port}", b""))
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


EXPORTING = """
import sys
from opentelemetry import trace
from shared import tracing
from shared.settings import ServiceSettings

tracing.configure("signing", ServiceSettings(otel_exporter_otlp_endpoint=sys.argv[1]))
with tracing.span("Teams.register"):
    pass
trace.get_tracer_provider().shutdown()  # as at exit: the batch goes out
"""


def test_a_configured_process_exports_its_spans_by_otlp_over_http(collector: list[tuple[str, str, bytes]]) -> None:
    address = collector.pop()[1]
    # A process of its own: a provider, once set, is the process's for good.
    subprocess.run([sys.executable, "-c", EXPORTING, address], check=True, timeout=60, cwd=Path(__file__).parents[2])

    [(path, content_type, body)] = collector
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    assert b"Teams.register" in body and b"signing" in body, "the span, and the service that made it"


def _named(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    [found] = [s for s in spans.get_finished_spans() if s.name == name]
    return found


def _id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id
