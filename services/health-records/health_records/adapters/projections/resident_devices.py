"""The read model "residents' devices": which devices each resident has linked, so that their
readings (kept in a stream per device and local day) can be listed without a scan.

It follows the service's own log and records its position with its rows (as the fulfilment view
does). An unlinked device stays: the readings it sent are still the resident's.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Connection, Engine, String, Table, select
from sqlalchemy.dialects.postgresql import insert

from health_records.adapters.projections.fulfilment import METADATA, POSITIONS
from health_records.application.streams import EVENTS
from health_records.domain.devices import DeviceLinked
from shared.eventstore import EventStore, RecordedEvent
from shared.readmodels import LogFollower

DEVICES = Table(
    "resident_devices",
    METADATA,
    Column("device_id", String(64), primary_key=True),
    Column("resident_ref", String(40), nullable=False, index=True),
)
TABLES = (DEVICES,)
APPLIES = EVENTS.names_of(DeviceLinked)


def apply(conn: Connection, events: Sequence[RecordedEvent]) -> None:
    linked = [EVENTS.decode(e.type, e.data) for e in events if e.type in APPLIES]
    rows = [{"device_id": d.device_id, "resident_ref": d.resident_ref} for d in linked if isinstance(d, DeviceLinked)]
    if rows:  # a device is linked once: a batch applied again adds nothing
        conn.execute(insert(DEVICES).on_conflict_do_nothing(index_elements=["device_id"]), rows)


def follower(store: EventStore, engine: Engine) -> LogFollower:
    return LogFollower(store, engine, POSITIONS, "resident_devices", apply)


class ResidentDevices:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def of(self, resident_ref: str) -> list[str]:
        """The ids of the devices the resident ever linked."""
        d = DEVICES.c
        with self.engine.connect() as conn:
            found = conn.execute(select(d.device_id).where(d.resident_ref == resident_ref).order_by(d.device_id))
            return list(found.scalars())
