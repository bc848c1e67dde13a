"""A resident's readings, newest first, for the resident and the team in charge.

Readings are kept in a stream per device and local day (`READINGS`), so a page reads the
resident's devices' streams of the period's days backwards, a day, then two, four… at a time,
until it has enough: what it costs is the resident's devices times the days it covers (at most
`MAX_DAYS`), whatever the population. Which devices are the resident's comes from a read model
(`devices_of`); the readings themselves from the store, so a reading shows once its batch is answered.

A page holds whole instants: a blood-pressure measurement's systolic, diastolic and heart rate are
never split between two pages, so `before` (readings measured before it) is all a cursor needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.streams import CARE, EVENTS, READINGS
from health_records.domain.errors import InvalidDates
from health_records.domain.readings import ReadingOutOfTarget, ReadingRecorded
from shared.eventstore import EventStore, RecordedEvent
from shared.principal import Principal

MAX_DAYS = 366  # of readings in one period
LONGEST_STEP = 64  # days read at once, once the first steps found little
RECORDED, OUT_OF_TARGET = EVENTS.names_of(ReadingRecorded), EVENTS.names_of(ReadingOutOfTarget)


@dataclass(frozen=True)
class ReadingsWanted:
    first: date | None  # local days, both included; by default a year to today
    last: date | None
    kind: str | None  # systolic, diastolic, heart_rate, glucose, steps; None: all
    before: datetime | None  # the last page's `next_before`
    limit: int


@dataclass(frozen=True)
class ReadingViews:
    store: EventStore
    zone: ZoneInfo
    devices_of: Callable[[str], list[str]]

    def of_resident(self, who: Principal, ref: str, today: date, wanted: ReadingsWanted) -> dict[str, Any]:
        access.screen(who, ref)
        care, _ = CARE.fold(self.store.read(CARE.stream_id(ref)))
        access.may_read(who, ref, care, today)
        last = wanted.last or today
        first = wanted.first or last - timedelta(days=MAX_DAYS - 1)
        if not 0 <= (last - first).days < MAX_DAYS:
            raise InvalidDates(f"`to` on or after `from`, at most {MAX_DAYS} days in all")
        devices = self.devices_of(ref)
        day = last if wanted.before is None else min(last, self._day(wanted.before))
        found: list[dict[str, Any]] = []
        step = 1
        while devices and day >= first and len(found) < wanted.limit:
            days = [day - timedelta(days=i) for i in range(min(step, (day - first).days + 1))]
            streams = [READINGS.stream_id(f"{d}:{each.isoformat()}") for d in devices for each in days]
            read = self.store.read_many(streams)
            found += sorted(_readings(read.values(), ref, wanted), key=_newest, reverse=True)
            day, step = days[-1] - timedelta(days=1), min(step * 2, LONGEST_STEP)
        page = _whole_instants(found, wanted.limit)
        more = len(page) < len(found) or (bool(devices) and day >= first)
        return {
            "resident_ref": ref,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "items": page,
            "next_before": page[-1]["measured_at"] if more and page else None,
        }

    def _day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


def _readings(streams: Iterable[list[RecordedEvent]], ref: str, wanted: ReadingsWanted) -> list[dict[str, Any]]:
    """The wanted readings of some day streams, each with whether it was out of the resident's target."""
    recorded: list[ReadingRecorded] = []
    limits: dict[tuple[str, str, datetime], float] = {}
    for events in streams:
        for e in events:
            if wanted.kind is not None and e.data.get("kind") != wanted.kind:
                continue
            event = EVENTS.decode(e.type, e.data) if e.type in RECORDED or e.type in OUT_OF_TARGET else None
            if isinstance(event, ReadingRecorded) and event.resident_ref == ref:
                if wanted.before is None or event.measured_at < wanted.before:
                    recorded.append(event)
            elif isinstance(event, ReadingOutOfTarget):
                limits[(event.device_id, event.kind, event.measured_at)] = event.limit
    return [_view(r, limits.get((r.device_id, r.kind, r.measured_at))) for r in recorded]


def _view(r: ReadingRecorded, target: float | None) -> dict[str, Any]:
    return {
        "device_id": r.device_id,
        "kind": r.kind,
        "value": r.value,
        "unit": r.unit,
        "measured_at": r.measured_at.isoformat(),
        "fasting": r.fasting,
        "implausible": r.implausible,
        "out_of_target": target is not None,
        "target": target,
        "received_at": r.received_at.isoformat(),
        "_at": r.measured_at,
    }


def _newest(item: dict[str, Any]) -> tuple[datetime, str, str]:
    return item["_at"], item["device_id"], item["kind"]


def _whole_instants(found: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first `limit` readings, and the others measured at the same instant as the last of them."""
    end = min(limit, len(found))
    while 0 < end < len(found) and found[end]["_at"] == found[end - 1]["_at"]:
        end += 1
    return [{k: v for k, v in item.items() if k != "_at"} for item in found[:end]]
