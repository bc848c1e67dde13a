"""A resident's erasure as a service that keeps their data follows it (health records, referral).

Signing records the erasure and publishes `ResidentErased`; each follower shreds its own key
for the resident (so every copy it holds, events, receipts, read models sealed with it, reads
as erased) and records its own audit event, `ErasureNoted`, in the stream `erasure-<ref>`.
Shredding comes first, as in signing: a redelivery shreds again (no harm) and records once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.commands import CommandProcessor, Session, Work
from shared.commands.inbound import context_for_event
from shared.contracts import signing
from shared.contracts.envelope import Envelope
from shared.eventstore import EventStore
from shared.eventstore.streams import EventTypes, StreamType

Clock = Callable[[], datetime]

FOLLOWED = "erased_in_signing"  # the tombstone's reason: signing's audit keeps the resident's own


@dataclass(frozen=True)
class ErasureNoted:
    resident_ref: str
    erased_at: datetime  # when signing erased the resident
    noted_at: datetime


def _evolve(done: ErasureNoted | None, event: object) -> ErasureNoted | None:
    return event if isinstance(event, ErasureNoted) else done


def erasures(events: EventTypes) -> StreamType[ErasureNoted | None]:
    """The service's erasure streams; registers `ErasureNoted` among its events."""
    events.register(ErasureNoted)
    return StreamType("erasure", None, _evolve, events)


class Erasures:
    def __init__(
        self, store: EventStore, processor: CommandProcessor, kind: StreamType[ErasureNoted | None], now: Clock
    ) -> None:
        assert store.sealer is not None, "a service that follows erasures seals personal data"
        self._vault, self._processor, self._kind, self._now = store.sealer.vault, processor, kind, now

    def follow(self, envelope: Envelope, event: signing.ResidentErased) -> None:
        self._vault.erase(event.resident_ref, FOLLOWED, event.erased_at)
        self._processor.execute_now(self._note(event), context_for_event(envelope, "signing", self._now()))

    def _note(self, event: signing.ResidentErased) -> Work:
        ref, kind = event.resident_ref, self._kind

        def handle(session: Session) -> dict[str, Any]:
            done, _ = session.load(kind, ref)
            if done is None:
                session.record(kind, ref, ErasureNoted(ref, event.erased_at, session.context.now))
            return {"resident_ref": ref}

        return Work(handle, reads=[(kind, ref)])
