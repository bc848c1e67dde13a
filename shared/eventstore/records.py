"""What the store keeps: an event's type, its data and its metadata, at a version of a stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import from_json, to_json


@dataclass(frozen=True, slots=True)
class EventMeta:
    """Who and what caused an event; travels with it to Kafka as the envelope's attributes.
    `traceparent`: the W3C trace context of the command that recorded it (None: not traced;
    events stored before tracing have none)."""

    event_id: str
    occurred_at: datetime
    correlation_id: str
    causation_id: str
    actor: str
    traceparent: str | None = None

    def to_dict(self) -> dict[str, str]:
        meta = {
            "event_id": self.event_id,
            "occurred_at": self.occurred_at.isoformat(),
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
        }
        if self.traceparent is not None:  # stored only when traced: untraced events stay as they were
            meta["traceparent"] = self.traceparent
        return meta

    @classmethod
    def from_dict(cls, raw: dict[str, str]) -> EventMeta:
        return cls(
            event_id=raw["event_id"],
            occurred_at=datetime.fromisoformat(raw["occurred_at"]),
            correlation_id=raw["correlation_id"],
            causation_id=raw["causation_id"],
            actor=raw["actor"],
            traceparent=raw.get("traceparent"),
        )


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended at `version` of `stream_id` (versions start at 1)."""

    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    meta: EventMeta

    def encode(self) -> bytes:
        return to_json({"data": self.data, "meta": self.meta.to_dict()})


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored; `position` is its place in the service's gap-free log."""

    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    meta: EventMeta
    position: int | None = None

    @classmethod
    def decode(
        cls, stream_id: str, version: int, type_: str, state: bytes, position: int | None = None
    ) -> RecordedEvent:
        raw = from_json(state)
        return cls(stream_id, version, type_, raw["data"], EventMeta.from_dict(raw["meta"]), position)
