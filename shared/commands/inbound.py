"""An incoming public event becomes a local command (a service changes only through its handlers)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import Protocol

from shared.commands.context import CommandContext
from shared.commands.processor import CommandProcessor, Work
from shared.contracts import signing
from shared.contracts.envelope import Envelope
from shared.domain import DomainError
from shared.messaging.delivery import Delivery

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


class Erasures(Protocol):
    """A resident's erasure followed where it is read (`shared.erasure.Erasures`, which runs
    commands through this module in turn)."""

    def follow(self, envelope: Envelope, event: signing.ResidentErased) -> None: ...


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
        """The deliveries' commands as batches (one transaction each), an erasure between them
        followed in its place; a refusal then raises (the subscription tries each event alone,
        and the others replay their receipts) or is logged, as the policy says."""
        commands: list[tuple[Work, CommandContext, Envelope]] = []
        for delivery in deliveries:
            envelope = delivery.envelope
            if self._erasures is not None and isinstance(delivery.event, signing.ResidentErased):
                self._run(commands)
                commands = []
                self._erasures.follow(envelope, delivery.event)
            elif (work := self._translate(delivery)) is not None:
                commands.append((work, context_for_event(envelope, self._actor, envelope.time), envelope))
        self._run(commands)

    def _run(self, commands: Sequence[tuple[Work, CommandContext, Envelope]]) -> None:
        outcomes = self._processor.execute_all_now([(work, context) for work, context, _ in commands])
        for (_, _, envelope), outcome in zip(commands, outcomes, strict=True):
            if isinstance(outcome, DomainError) and self._refused is Refused.SKIP:
                log.warning("%s %s refused: %s", envelope.type, envelope.id, outcome.code)
            elif isinstance(outcome, BaseException):
                raise outcome
