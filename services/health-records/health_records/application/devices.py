"""Handlers of residents' devices: linking, unlinking, and the readings a device sends.

A device's credential is a random secret of which only a SHA-256 hash is kept: the secret has
256 bits of entropy, so a slow password hash would add cost and no safety. It is compared in
constant time, and an unknown device costs the same comparison as a wrong secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from health_records.application import access
from health_records.application.clock import today
from health_records.application.commands import LinkDevice, RecordReadings, UnlinkDevice
from health_records.application.streams import CARE, DEVICES, READINGS
from health_records.domain import devices, readings
from health_records.domain.devices import Device
from health_records.domain.errors import DeviceNotLinked
from shared.commands import Session, Work
from shared.eventstore import EventStore
from shared.eventstore.streams import StreamType
from shared.principal import Principal

_NOBODY = hashlib.sha256(b"no such device").hexdigest()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def authenticate(store: EventStore, device_id: str, secret: str) -> Device | None:
    """The device, if `secret` is its credential; None for an unknown device or a wrong secret."""
    device, _ = DEVICES.fold(await store.read_async(DEVICES.stream_id(device_id)))
    expected = device.linked.secret_hash if device is not None else _NOBODY
    matches = hmac.compare_digest(hash_secret(secret), expected)
    return device if matches and device is not None else None


def device_view(d: Device) -> dict[str, Any]:
    linked = d.linked
    return {
        "device_id": linked.device_id,
        "resident_ref": linked.resident_ref,
        "kind": linked.kind,
        "linked_at": linked.linked_at.isoformat(),
        "unlinked_at": d.unlinked_at.isoformat() if d.unlinked_at else None,
    }


@dataclass(frozen=True)
class Devices:
    zone: ZoneInfo

    def link_device(self, who: Principal, command: LinkDevice) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, day = session.load(CARE, ref).state, today(session, self.zone)
            access.may_manage_devices(who, ref, care, day)
            linked = devices.link(care, command.linked, day)
            session.start(DEVICES, linked.device_id, linked)
            return device_view(Device(linked))

        return Work(handle, reads=[(CARE, ref)])

    def unlink_device(self, who: Principal, command: UnlinkDevice) -> Work:
        ref = command.resident_ref
        access.screen(who, ref)

        def handle(session: Session) -> dict[str, Any]:
            care, day = session.load(CARE, ref).state, today(session, self.zone)
            access.may_manage_devices(who, ref, care, day)
            device = session.load(DEVICES, command.device_id).state
            unlinked = devices.unlink(device, ref, who.subject, session.context.now)
            updated = session.record(DEVICES, command.device_id, unlinked).state
            assert updated is not None
            return device_view(updated)

        return Work(handle, reads=[(CARE, ref), (DEVICES, command.device_id)])

    def record_readings(self, command: RecordReadings) -> Work:
        """Each reading once: a repeat (a retried batch, a gateway sending twice) is counted, not kept."""
        ref, device_id = command.resident_ref, command.device_id
        days = [(r, self._day_stream(device_id, r)) for r in command.readings]

        def handle(session: Session) -> dict[str, Any]:
            device = session.load(DEVICES, device_id).state
            if device is None or not device.active or device.linked.resident_ref != ref:
                raise DeviceNotLinked("the device was unlinked")  # between its credential check and now
            care, now = session.load(CARE, ref).state, session.context.now
            counts = dict.fromkeys(("accepted", "repeated", "implausible", "alerts"), 0)
            for reading, day_stream in days:
                if reading.key in session.load(READINGS, day_stream).state:
                    counts["repeated"] += 1
                    continue
                recorded = readings.record(device_id, ref, reading, now)
                following = devices.following(care, self._day(reading.measured_at))
                alert = readings.out_of_target(recorded, *following)
                counted = readings.for_follow_up(recorded, device.linked.kind, *following)
                session.record(READINGS, day_stream, recorded, *(e for e in (alert, counted) if e is not None))
                counts["accepted"] += 1
                counts["implausible"] += recorded.implausible
                counts["alerts"] += alert is not None
            return counts

        reads: list[tuple[StreamType[Any], str]] = [(DEVICES, device_id), (CARE, ref)]
        reads += [(READINGS, s) for s in {s for _, s in days}]
        return Work(handle, reads=reads)

    def _day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def _day_stream(self, device_id: str, r: readings.Reading) -> str:
        return f"{device_id}:{self._day(r.measured_at).isoformat()}"
