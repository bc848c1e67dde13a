"""An incoming public event becomes a local command (a service changes only through its handlers)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from shared.commands.context import CommandContext
from shared.commands.processor import CommandProcessor, Work
from shared.contracts import signing
from shared.contracts.envelope import Envelope
from shared.domain import DomainError
from shared.messaging.subscription import Delivery

if TYPE_CHECKING:  # the erasure follower runs commands itself: imported for its type only
    from shared.erasure import Erasures

log = logging.getLogger(__name__)


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


class Refused(Enum):
    """What a consumer does with an event its command refuses (a `DomainError`)."""

    DEAD_LETTER = "dead-letter"  # raise: the subscription tries it alone, then sends it to the dead letters
    SKIP = "skip"  # log its ids and move on: trying again would not change the answer


Translate = Callable[[Delivery], Work | None]


class EventCommands:
    """The one event-to-command consumer: each delivered event becomes the local command
    `translate` gives (None: not this service's business), run when the event happened (the
    envelope's time, however late it is read) with the event's id as idempotency key, so a
    redelivery replays its first outcome. A resident's erasure, when `erasures` is given, is
    followed before anything else. What a refusal does is the service's stated policy."""

    def __init__(
        self,
        processor: CommandProcessor,
        actor: str,
        translate: Translate,
        refused: Refused = Refused.DEAD_LETTER,
        erasures: Erasures | None = None,
    ) -> None:
        self._processor, self._actor, self._translate, self._refused = processor, actor, translate, refused
        self._erasures = erasures

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            envelope = delivery.envelope
            if self._erasures is not None and isinstance(delivery.event, signing.ResidentErased):
                self._erasures.follow(envelope, delivery.event)
                continue
            work = self._translate(delivery)
            if work is None:
                continue
            try:
                self._processor.execute_now(work, context_for_event(envelope, self._actor, envelope.time))
            except DomainError as refused:
                if self._refused is Refused.DEAD_LETTER:
                    raise
                log.warning("%s %s refused: %s", envelope.type, envelope.id, refused.code)
