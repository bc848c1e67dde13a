"""Erasing a resident: the audit record of a key shredded (the route shreds it first)."""

from __future__ import annotations

from typing import Any

from shared.commands import Session, Work
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
        return {"resident_ref": resident_ref, "reason": recorded.reason, "erased_at": recorded.erased_at}

    return Work(handle, reads=[(ERASURES, resident_ref)])
