"""A resident's device (blood-pressure monitor, glucose meter, wearable), linked to their record.

Only key-population residents link one: they are the ones the team follows up between visits.
The device proves itself with a secret whose hash only is kept (the secret is shown once).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, get_args

from health_records.domain.care import Care
from health_records.domain.care_events import Delivered
from health_records.domain.errors import DeviceNotFound, DeviceNotLinked, NotAKeyPopulation

DeviceKind = Literal["bp_monitor", "glucose_meter", "wearable"]
KINDS: tuple[str, ...] = get_args(DeviceKind)
FOLLOWED = ("hypertension", "diabetes", "elderly")  # the key populations a device helps follow


@dataclass(frozen=True)
class DeviceLinked:
    device_id: str
    resident_ref: str
    kind: str
    secret_hash: str  # SHA-256 of a 256-bit random secret: never the secret itself
    linked_by: str
    linked_at: datetime


@dataclass(frozen=True)
class DeviceUnlinked:
    device_id: str
    resident_ref: str
    unlinked_by: str
    unlinked_at: datetime


@dataclass(frozen=True)
class Device:
    linked: DeviceLinked
    unlinked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.unlinked_at is None


def evolve(device: Device | None, event: object) -> Device:
    if isinstance(event, DeviceLinked):
        return Device(event)
    if isinstance(event, DeviceUnlinked) and device is not None:
        return replace(device, unlinked_at=event.unlinked_at)
    raise ValueError(f"{type(event).__name__} does not apply to a device")


def key_populations(care: Care | None, day: date) -> frozenset[str]:
    """The key populations of the resident's contracts covering `day`."""
    return following(care, day)[0]


def link(care: Care | None, linked: DeviceLinked, day: date) -> DeviceLinked:
    if not key_populations(care, day) & set(FOLLOWED):
        raise NotAKeyPopulation(f"devices are linked for residents followed for {', '.join(FOLLOWED)}")
    return linked


def unlink(device: Device | None, resident_ref: str, by: str, at: datetime) -> DeviceUnlinked:
    if device is None or device.linked.resident_ref != resident_ref:
        raise DeviceNotFound("no such device on this record")
    if not device.active:
        raise DeviceNotLinked("the device is already unlinked")
    return DeviceUnlinked(device.linked.device_id, resident_ref, by, at)


def following(care: Care | None, day: date) -> tuple[frozenset[str], Delivered | None]:
    """On `day`: the resident's key populations, and the team in charge to alert (its latest contract)."""
    covering = [c for c in care.contracts if c.covers(day)] if care is not None else []
    populations = frozenset(p for c in covering for p in c.started.key_populations)
    return populations, covering[-1].delivered() if covering else None
