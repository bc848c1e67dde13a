"""An incoming public event becomes a local command (a service changes only through its handlers)."""

from __future__ import annotations

from datetime import datetime

from shared.commands.context import CommandContext
from shared.contracts.envelope import Envelope


def context_for_event(envelope: Envelope, actor: str, now: datetime, purpose: str = "") -> CommandContext:
    """The event's id is the command's idempotency key: a redelivered event replays the first
    outcome instead of applying twice, and the dedupe is written with the command's events.
    `purpose` tells apart several commands one event may cause in the same service."""
    return CommandContext(
        actor=actor,
        idempotency_key=f"event:{envelope.id}:{purpose}",
        fingerprint=envelope.id,
        correlation_id=envelope.correlationid,
        causation_id=envelope.id,
        now=now,
    )
