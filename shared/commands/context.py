"""What comes with every command from outside the domain: who, when, and which request."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CommandContext:
    """`idempotency_key` names the command: repeating it replays the first outcome;
    `traceparent`, the command's span (set by the processor when tracing), goes with its events."""

    actor: str
    idempotency_key: str
    fingerprint: str
    correlation_id: str
    causation_id: str
    now: datetime
    traceparent: str | None = None

    @property
    def receipt_stream(self) -> str:
        # Keys are the caller's own strings: scope them to the caller, bound their length.
        digest = hashlib.sha256(f"{self.actor}\x00{self.idempotency_key}".encode()).hexdigest()
        return f"receipt-{digest[:40]}"


def fingerprint(*parts: str | bytes) -> str:
    """A digest of a request, so a reused key with a different request is caught."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()
