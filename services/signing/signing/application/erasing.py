"""Erasing a resident: the audit record of a key shredded (the route shreds it first)."""

from __future__ import annotations

from typing import Any

from shared.commands import Session, Work
from shared.eventstore import EventStore
from shared.principal import Principal
from signing.application import access
from signing.application.streams import ERASURES
from signing.domain import erasure


def erase(who: Principal, resident_ref: str, reason: str) -> Work:
    access.may_erase(who, resident_ref)

    def handle(session: Session) -> dict[str, Any]:
        done, _ = session.load(ERASURES, resident_ref)
        events = erasure.erase(done, resident_ref, reason, session.context.actor, session.context.now)
        recorded, _ = session.record(ERASURES, resident_ref, *events) if events else (done, 0)
        assert recorded is not None
        return view(recorded)

    return Work(handle, reads=[(ERASURES, resident_ref)])


def recorded(store: EventStore, resident_ref: str) -> dict[str, Any]:
    """The erasure as recorded. A repeated request answers from here, not from its receipt:
    the receipt names the resident, so it was sealed with the key the erasure shredded."""
    done, _ = ERASURES.fold(store.read(ERASURES.stream_id(resident_ref)))
    assert done is not None, "read after the erasure was recorded"
    return view(done)


def view(done: erasure.ResidentErased) -> dict[str, Any]:
    return {"resident_ref": done.resident_ref, "reason": done.reason, "erased_at": done.erased_at.isoformat()}
