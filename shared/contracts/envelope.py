"""One envelope for every Kafka message: CloudEvents 1.0 attributes, structured JSON mode."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"


class Envelope(BaseModel):
    """CloudEvents attributes plus `correlationid` and `causationid` extensions, and the
    distributed-tracing extension's `traceparent` where the event was recorded in a trace.

    `id` is the event's own id, stable across re-publishing, so consumers deduplicate on it.
    """

    # A CloudEvents extension this version does not know (a later release's, a partner's) is
    # ignored, not refused: an older consumer keeps reading while a rolling upgrade adds one.
    # The event itself (`data`) stays strict: its model forbids unknown fields.
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1, examples=["/fdcs/signing"])
    type: str = Field(min_length=1, examples=["signing.ContractSigned.v1"])
    subject: str | None = None
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    correlationid: str
    causationid: str
    # Never a reason to refuse an event: a consumer that cannot read it starts a trace of its own.
    traceparent: str | None = Field(
        default=None,
        description="W3C trace context of the command that recorded the event (CloudEvents distributed tracing)",
        examples=["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    )
    data: dict[str, Any]

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def decode(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)
