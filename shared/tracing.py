"""Traces across hops (OpenTelemetry): an HTTP request, the command it ran, the relay that
published the command's events and each consumer that applied them, as one trace.

The hops are joined by the W3C `traceparent` of the command's span: kept in each event's
metadata, carried on the envelope as the CloudEvents distributed-tracing extension, taken
up by a consumer as the parent of its span (one event) or as links (a batch: a span has one
parent). Spans go by OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT; with none set, tracing
is off and a hop costs a test of one module variable: no span, no context, no export.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, TraceFlags, Tracer, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from shared import logs
from shared.settings import ServiceSettings

Attributes = Mapping[str, AttributeValue]
_W3C = TraceContextTextMapPropagator()
# Version 00's layout; a later version may append fields after these (W3C Trace Context, 4.3).
_TRACEPARENT = re.compile(r"(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?")
MOST_LINKS = 128  # the SDK's default limit of links on a span
_tracer: Tracer | None = None  # None: tracing is off


def configure(service: str, settings: ServiceSettings) -> None:
    """Export this process's spans to the settings' collector, as `service`; nothing without one.
    Once per process: each HTTP worker process configures its own (an exporter's thread does
    not survive a fork)."""
    if _tracer is not None or not settings.otel_exporter_otlp_endpoint:
        return
    # Imported only when on: a process that does not trace loads no SDK and no exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as Provider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    resource = Resource.create(
        {"service.name": service, "service.namespace": "fdcs", "deployment.environment.name": settings.environment}
    )
    provider = Provider(resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.tracing_sample_ratio)))
    # The base address, as the OTEL_EXPORTER_OTLP_ENDPOINT convention has it; the exporter reads
    # OTEL_EXPORTER_OTLP_HEADERS (a collector's token) from the environment itself.
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)  # a library that traces on its own joins the same traces
    install(provider)


def install(provider: TracerProvider | None) -> None:
    """Make spans with `provider` from now on (tests: one with an in-memory exporter); None: off."""
    global _tracer  # one per process, like the logging configuration
    _tracer = provider.get_tracer("fdcs") if provider is not None else None


def enabled() -> bool:
    return _tracer is not None


def span(
    name: str,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Context | None = None,
    links: Sequence[Link] = (),
    attributes: Attributes | None = None,
) -> AbstractContextManager[Span | None]:
    """A span, current inside, whose trace id the lines logged inside carry; None when tracing
    is off. An exception leaving it does not mark it failed: the caller knows whether it is
    (a refused command is no failure), and says so with `failed`."""
    if _tracer is None:
        return nullcontext()
    return _current(_tracer, name, kind, parent, links, attributes)


@contextmanager
def _current(  # noqa: PLR0913
    tracer: Tracer,
    name: str,
    kind: SpanKind,
    parent: Context | None,
    links: Sequence[Link],
    attributes: Attributes | None,
) -> Iterator[Span]:
    with (
        tracer.start_as_current_span(
            name, parent, kind, attributes, links, record_exception=False, set_status_on_exception=False
        ) as current,
        logs.bound(trace_id=f"{current.get_span_context().trace_id:032x}"),
    ):
        yield current


def failed(current: Span | None, reason: BaseException | str) -> None:
    if current is not None:
        description = reason if isinstance(reason, str) else type(reason).__name__
        current.set_status(trace.Status(trace.StatusCode.ERROR, description))


def traceparent(current: Span | None) -> str | None:
    """The span's W3C `traceparent`, to carry to the next hop (None when tracing is off)."""
    if current is None:
        return None
    found = current.get_span_context()
    return f"00-{found.trace_id:032x}-{found.span_id:016x}-{found.trace_flags:02x}" if found.is_valid else None


def remote(headers: Mapping[str, str]) -> Context | None:
    """The caller's trace context, from its `traceparent` and `tracestate` headers, if valid."""
    found = _W3C.extract(headers)
    return found if trace.get_current_span(found).get_span_context().is_valid else None


def parent_of(traceparent: str | None) -> Context | None:
    """The context a `traceparent` names (None: none, or not one)."""
    found = _span_context(traceparent)
    return trace.set_span_in_context(trace.NonRecordingSpan(found)) if found is not None else None


def links_to(traceparents: Iterable[str | None], most: int = MOST_LINKS) -> list[Link]:
    """Links to the distinct spans the traceparents name (a command's events share one), the
    first `most` of them (a span keeps no more than 128 links)."""
    found = (_span_context(t) for t in dict.fromkeys(traceparents) if t)
    return [Link(c) for c in itertools.islice((c for c in found if c is not None), most)]


def _span_context(traceparent: str | None) -> SpanContext | None:
    """Parsed here rather than by the propagator: a relay links hundreds at a time."""
    found = _TRACEPARENT.fullmatch(traceparent) if traceparent else None
    if found is None:
        return None
    trace_id, span_id, flags = int(found[1], 16), int(found[2], 16), int(found[3], 16)
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(flags))


def consuming(
    group: str, traceparents: Sequence[str | None], kafka: bool = True
) -> AbstractContextManager[Span | None]:
    """A reader's span for applying a batch (a consumer group's from Kafka, else a follower's of
    its own log): a child of the command's span if its events all come from one, else linked
    to each command's span."""
    if _tracer is None:
        return nullcontext()
    distinct = dict.fromkeys(traceparents)
    parent = parent_of(next(iter(distinct))) if len(distinct) == 1 else None
    links = [] if len(distinct) == 1 else links_to(distinct)
    attributes: dict[str, AttributeValue] = {"messaging.batch.message_count": len(traceparents)}
    if kafka:
        attributes |= {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": group,
        }
    return _current(_tracer, group, SpanKind.CONSUMER, parent, links, attributes)
