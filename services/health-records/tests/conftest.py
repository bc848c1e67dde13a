from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from health_records.adapters.consumers import signing_events
from health_records.adapters.files.norms import load_norms
from health_records.adapters.projections.fulfilment import TABLES, FulfilmentView, follower
from health_records.application.appointment_views import AppointmentViews
from health_records.application.appointments import Appointments
from health_records.application.commands import CompleteVisit, LinkDevice
from health_records.application.delivery import Delivery as Services
from health_records.application.devices import Devices, hash_secret
from health_records.application.inbound import Inbound
from health_records.application.schedules import Schedules
from health_records.application.streams import ERASURES, EVENTS, resident_of
from health_records.bootstrap import create_app, engine_for, store_for
from health_records.domain.care_events import Measurement
from health_records.domain.devices import DeviceLinked
from health_records.domain.visits import VisitReport
from health_records.settings import HealthRecordsSettings
from shared.commands import CommandContext, CommandProcessor
from shared.contracts import Envelope, parse_event, topics
from shared.erasure import Erasures
from shared.eventstore import EventStore
from shared.messaging import Delivery
from shared.principal import Principal
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.eventstore import OpenStore
from shared.wiring import personal_fields

NOW = datetime(2026, 4, 10, 2, 30, tzinfo=UTC)  # 10:30 in China
IDENTITY = "11010519491231002X"
REF = resident_ref(IDENTITY, DEV_PSEUDONYM_KEY)
OTHER_REF = resident_ref("440106198001010014", DEV_PSEUDONYM_KEY)
FIXTURES = Path(topics.__file__).with_name("fixtures")
DOCTOR = Principal("doc-1", "family_doctor", team_id="T1")
BP = [{"kind": "systolic_bp", "value": 132, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 84, "unit": "mmHg"}]


def golden(type_name: str, **data: Any) -> Delivery:
    """The golden message of a public event with some of its data changed, under a new id."""
    message = json.loads((FIXTURES / f"{type_name}.json").read_text())
    envelope = Envelope.model_validate(message | {"id": str(uuid.uuid4()), "data": message["data"] | data})
    return Delivery(envelope, parse_event(envelope), "test")


def team_registered(team_id: str = "T1") -> Delivery:
    members = [
        {"member_id": "doc-1", "role": "family_doctor", "resident_cap": 2000},
        {"member_id": "nurse-1", "role": "community_nurse"},
    ]
    return golden("signing.TeamRegistered.v2", team_id=team_id, institution_id="CHC-1", members=members)


def contract_signed(ref: str = REF, team_id: str = "T1", **data: Any) -> Delivery:
    return golden(
        "signing.ContractSigned.v1",
        resident_ref=ref,
        team_id=team_id,
        institution_id="CHC-1",
        contract_id=data.pop("contract_id", str(uuid.uuid4())),
        **data,
    )


class Handlers:
    """The service's command handlers on a store alone (no HTTP, no broker, no read model): signing's
    events through its consumer, the team's and residents' commands through the processor."""

    def __init__(self, store: EventStore) -> None:
        self.ref, self.store, self.clock = REF, store, [NOW]
        self.processor = CommandProcessor(store)
        erasures = Erasures(self.store, self.processor, ERASURES, lambda: NOW)
        self.events = signing_events(Inbound(load_norms()), self.processor, erasures)
        s = HealthRecordsSettings()  # the defaults
        self.devices = Devices(s.timezone)
        self.appointments = Appointments(s.timezone, timedelta(minutes=s.appointment_reminder_lead_minutes))
        self.schedules = Schedules(s.timezone, s.appointment_reserved_percent, s.appointment_cutoff_minutes)
        self.slots = AppointmentViews(store, s.timezone).slots

    def run(self, work: Any, who: Principal = DOCTOR) -> Any:
        context = CommandContext(who.subject, str(uuid.uuid4()), "f", "c", "c", self.clock[-1])
        return self.processor.execute_now(work, context).result

    def sign(self, ref: str = REF, team_id: str = "T1", **data: Any) -> Delivery:
        signed = contract_signed(ref, team_id, **data)
        self.events.handle([team_registered(team_id), signed])
        return signed

    def tell(self, type_name: str, **data: Any) -> None:
        self.events.handle([golden(type_name, **data)])

    def visit(self, fulfils: list[str], occurred: str, measurements: list[dict[str, Any]] = BP) -> Any:
        at = datetime.fromisoformat(occurred)
        taken = tuple(Measurement(**m) for m in measurements)
        report = VisitReport(str(uuid.uuid4()), "", "doc-1", "clinic", tuple(fulfils), taken, "", at, at.date())
        work = Services(HealthRecordsSettings().timezone, 90).complete_visit(DOCTOR, CompleteVisit(self.ref, report))
        return self.run(work)

    def link_device(self, kind: str = "bp_monitor", ref: str = REF) -> Any:
        """A device of the resident's, linked by their doctor; with its secret."""
        secret = secrets.token_urlsafe(32)
        linked = DeviceLinked(str(uuid.uuid4()), ref, kind, hash_secret(secret), "doc-1", NOW)
        return self.run(self.devices.link_device(DOCTOR, LinkDevice(ref, linked))) | {"secret": secret}


class World(Handlers):
    """The service's store and read model, fed with signing's events as its consumer feeds them."""

    def __init__(self, settings: HealthRecordsSettings) -> None:
        super().__init__(store_for(settings))
        self.settings = settings
        engine = engine_for(settings)
        self.view, self.follower, self.tables = FulfilmentView(engine), follower(self.store, engine), TABLES

    def close(self) -> None:
        self.processor.close()
        self.store.close()
        self.view.engine.dispose()


class Api:
    """The health-records API as a client sees it, with the bearer token of a role."""

    def __init__(self, client: TestClient, mint: Callable[..., str], world: World) -> None:
        self.client, self._mint, self.world = client, mint, world
        self.doctor = self.as_("family_doctor", sub="doc-1", team="T1", institution="CHC-1")
        self.resident = self.as_("resident", resident=REF)

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, **claims)}"}

    def send(self, method: str, path: str, body: Any, who: dict[str, str] | None = None, **headers: str) -> Any:
        key = headers.pop("key", None) or str(uuid.uuid4())
        sent = {**(who or self.doctor), "Idempotency-Key": key, **headers}
        return self.client.request(method, f"/residents/{REF}{path}", json=body, headers=sent)

    def get(self, path: str, who: dict[str, str] | None = None, ref: str = REF) -> Any:
        return self.client.get(f"/residents/{ref}{path}", headers=who or self.doctor)


@pytest.fixture
def handlers(stores: OpenStore) -> Iterator[Handlers]:
    """The handlers on the store of the test class (`InMemory` or `OnPostgres`), sealing as the
    service does, and resident REF signed with team T1 (golden contract, from 2026-01-06)."""
    opened = Handlers(stores(personal_fields(bytes(32), EVENTS, resident_of)))
    opened.sign()
    yield opened
    opened.processor.close()


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> HealthRecordsSettings:
    settings: HealthRecordsSettings = service_settings(
        HealthRecordsSettings, database_pool_size=2
    )  # the test server is shared
    return settings


@pytest.fixture
def seeded(settings: HealthRecordsSettings) -> Iterator[Callable[..., World]]:
    """`seeded()`: a world where resident REF signed with team T1 (golden contract, from 2026-01-06)."""

    worlds: list[World] = []

    def make(**contract: Any) -> World:
        worlds.append(World(settings))
        worlds[-1].sign(**contract)
        return worlds[-1]

    yield make
    for world in worlds:  # the test servers are shared: give the connections back
        world.close()


@pytest.fixture
def api(settings: HealthRecordsSettings, seeded: Callable[..., World], mint_token: Callable[..., str]) -> Iterator[Api]:
    world, app = seeded(), create_app(settings, clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, mint_token, world)
    app.state.store.close()
    app.state.fulfilment.engine.dispose()


@pytest.fixture
def signing_event() -> Callable[..., Delivery]:
    """`signing_event(type name, **data)`: a golden message of signing with its data changed."""
    return golden


@pytest.fixture
def world_on() -> Iterator[Callable[[HealthRecordsSettings], World]]:
    """`world_on(settings)`: a world on other settings (another back end, say), signed like `seeded`."""
    worlds: list[World] = []

    def make(settings: HealthRecordsSettings) -> World:
        worlds.append(World(settings))
        worlds[-1].sign()
        return worlds[-1]

    yield make
    for world in worlds:
        world.close()
