"""Reading a resident's record, plan and services from the store, within the access rules.

Reads go to the store, not the command cache, so they show every committed change; from the
event loop, as the command batches load their streams (`EventStore.read_async`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from health_records.application import access
from health_records.application.streams import CARE, PLANS, READS, RECORDS
from health_records.application.views import (
    history_view,
    plan_view,
    prescription_view,
    read_view,
    record_view,
    sickbed_view,
    visit_view,
)
from health_records.domain.care import Care
from health_records.domain.errors import RecordNotFound, VisitNotFound
from health_records.domain.reads import RecordRead
from health_records.domain.visits import visit
from shared.eventstore import EventStore, RecordedEvent
from shared.principal import Principal


@dataclass(frozen=True)
class Queries:
    store: EventStore

    async def care(self, who: Principal, ref: str, day: date) -> Care:
        """The resident's care, once the caller may read it; RecordNotFound if there is none."""
        care, _ = await self._care_with(who, ref, day, "")
        return care

    async def _care_with(self, who: Principal, ref: str, day: date, stream_id: str) -> tuple[Care, list[RecordedEvent]]:
        """The care and another stream of the resident (none: ""), read together: one query and
        one for their keys, where a read of each was two and two. Nothing of either is shown
        unless the care says the caller may read them."""
        access.screen(who, ref)
        found = await self.store.read_many_async([CARE.stream_id(ref), *filter(None, [stream_id])])
        care, _ = CARE.fold(found[CARE.stream_id(ref)])
        access.may_read(who, ref, care, day)
        if care is None:
            raise RecordNotFound(f"no record for resident {ref}")
        return care, found.get(stream_id, [])

    async def record(self, who: Principal, ref: str, day: date) -> dict[str, Any]:
        care, events = await self._care_with(who, ref, day, RECORDS.stream_id(ref))
        record, version = RECORDS.fold(events)
        if record is None:
            raise RecordNotFound(f"no record for resident {ref}")
        return record_view(record, version, care)

    async def history(self, who: Principal, ref: str, day: date) -> dict[str, Any]:
        await self.care(who, ref, day)
        events = await self.store.read_async(RECORDS.stream_id(ref))
        return {"resident_ref": ref, "version": len(events), "changes": history_view(events)}

    async def plan(self, who: Principal, ref: str, day: date) -> dict[str, Any]:
        _, events = await self._care_with(who, ref, day, PLANS.stream_id(ref))
        plan, version = PLANS.fold(events)
        if plan is None:
            raise RecordNotFound(f"no plan for resident {ref}")
        return plan_view(plan, version)

    async def visits(self, who: Principal, ref: str, day: date) -> dict[str, Any]:
        care = await self.care(who, ref, day)
        return {"resident_ref": ref, "items": [visit_view(v) for v in care.visits]}

    async def visit(self, who: Principal, ref: str, visit_id: str, day: date) -> dict[str, Any]:
        found = visit(await self.care(who, ref, day), visit_id)
        if found is None:
            raise VisitNotFound(f"no visit {visit_id} for resident {ref}")
        return visit_view(found)

    async def sickbeds(self, who: Principal, ref: str, day: date) -> dict[str, Any]:
        care = await self.care(who, ref, day)
        return {"resident_ref": ref, "items": [sickbed_view(s) for s in care.sickbeds]}

    async def prescriptions(self, who: Principal, ref: str, day: date) -> dict[str, Any]:
        care = await self.care(who, ref, day)
        return {"resident_ref": ref, "items": [prescription_view(p) for p in care.prescriptions]}

    async def reads(self, who: Principal, ref: str, before: int | None, limit: int) -> dict[str, Any]:
        """Who looked at the record, for the resident's eyes only: newest first, at most `limit`
        reads logged before the read numbered `before` (the last page's `next_cursor`). A read's
        number is its version in the log's stream, from 1 without gaps: a later page reads the
        stream from its own first read on, not from the start, and only a page's reads are
        decoded, not a log of years."""
        access.may_act_as_resident(who, ref)
        stream_id = READS.stream_id(ref)
        after = None if before is None else {stream_id: max(before - limit - 1, 0)}
        logged = (await self.store.read_many_async([stream_id], after))[stream_id]
        page = [e for e in logged if before is None or e.version < before][-limit:][::-1]
        items = [read_view(_read(READS.events.decode(e.type, e.data))) for e in page]
        more = bool(page) and page[-1].version > 1
        return {"resident_ref": ref, "items": items, "next_cursor": str(page[-1].version) if more else None}


def _read(event: object) -> RecordRead:
    if not isinstance(event, RecordRead):
        raise TypeError(f"{type(event).__name__} in a record's read log")
    return event
