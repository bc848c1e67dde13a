"""After signing's store is restored from a backup: the erasures it published since the backup
was taken are not in the dump, and the dump still holds those residents' keys. Each is done
again (key shredded, erasure recorded), so a restore never brings an erased person back; the
relay then publishes the erasure anew and the followers note it once more (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.commands import CommandProcessor
from shared.commands.inbound import context_for_event
from shared.contracts import signing as public
from shared.contracts import topics
from shared.contracts.registry import parse_event
from shared.eventstore import EventStore
from shared.messaging.rewind import envelopes_since
from shared.principal import Principal
from shared.settings import ServiceSettings
from signing.adapters.publishing import SOURCE
from signing.application import erasing

RESTORER = Principal(subject="restore", role="admin")
REASON = "erased before the backup was restored; done again"


def erase_again(settings: ServiceSettings, store: EventStore, since: datetime, now: Callable[[], datetime]) -> int:
    """Erase again everyone signing published as erased from `since`; returns how many."""
    assert store.sealer is not None, "signing seals personal data"
    processor = CommandProcessor(store)
    erased = 0
    for envelope in envelopes_since(settings, topics.CONTRACTS.name, since, group="signing.restore"):
        if envelope.source != SOURCE or envelope.type != public.ResidentErased.TYPE:
            continue
        event = parse_event(envelope)
        assert isinstance(event, public.ResidentErased)
        store.sealer.vault.erase(event.resident_ref, REASON, event.erased_at)
        context = context_for_event(envelope, RESTORER.subject, now(), purpose="restore")
        processor.execute_now(erasing.erase(RESTORER, event.resident_ref, REASON), context)
        erased += 1
    return erased
