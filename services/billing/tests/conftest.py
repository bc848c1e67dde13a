from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from billing.adapters.consumers import Inbound, health_services, inputs
from billing.adapters.projections.settlement_view import SettlementView, replay
from billing.application.streams import ACCOUNTS
from billing.application.views import account_view
from billing.bootstrap import applications, capitation_for, create_app, engine_for, store_for
from billing.settings import BillingSettings
from shared.commands import CommandProcessor
from shared.contracts import Envelope, parse_event, topics
from shared.eventstore import EventStore
from shared.messaging import Delivery
from shared.messaging.positions import AllApplied
from shared.testing.eventstore import OpenStore

FIXTURES = Path(topics.__file__).with_name("fixtures")


def golden(type_name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{type_name}.json").read_text())
    return loaded


def resident(name: str) -> str:
    return "r_" + base64.b32encode(hashlib.sha256(name.encode()).digest()).decode().lower()[:26]


def event(type_name: str, **data: Any) -> Envelope:
    """The golden message of a type, with a fresh id and the given fields changed."""
    message = golden(type_name)
    return Envelope.model_validate(message | {"id": str(uuid.uuid4()), "data": message["data"] | data})


def signed(contract_id: str, **data: Any) -> Envelope:
    return event("signing.ContractSigned.v1", contract_id=contract_id, resident_ref=resident(contract_id), **data)


class Billing:
    """Billing as its users and its inputs see it: the HTTP API, and events arriving."""

    golden = staticmethod(golden)
    resident = staticmethod(resident)
    event = staticmethod(event)
    signed = staticmethod(signed)

    def __init__(
        self, settings: BillingSettings, client: TestClient, mint: Callable[..., str], clock: list[datetime]
    ) -> None:
        self.settings, self.client, self._mint, self.clock = settings, client, mint, clock
        self.store = store_for(settings)
        charging, settlement = applications(settings)
        processor = CommandProcessor(self.store)
        self.inbound = Inbound(charging, settlement, settings.timezone, capitation_for(settings))
        self._inputs = inputs(processor, self.inbound)
        self.contributions = health_services(processor, settings.timezone)  # its own consumer group
        self.view = SettlementView(engine_for(settings), settlement.calendar, settings.timezone)
        self.admin = self.as_("admin")

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, **claims)}"}

    def deliver(self, *envelopes: Envelope, topic: str = "test") -> None:
        consumer = self.contributions if topic == topics.HEALTH_SERVICES.name else self._inputs
        consumer.handle([Delivery(e, parse_event(e), topic) for e in envelopes])

    def close(self, period: str, as_of: str, who: dict[str, str] | None = None, key: str | None = None) -> Any:
        headers = {**(who or self.admin), "Idempotency-Key": key or str(uuid.uuid4())}
        return self.client.post("/settlement-periods/close", json={"period": period, "as_of": as_of}, headers=headers)

    def reconcile(
        self, year: int, who: dict[str, str] | None = None, key: str | None = None, area: str | None = None
    ) -> Any:
        headers = {**(who or self.admin), "Idempotency-Key": key or str(uuid.uuid4())}
        params = {} if area is None else {"area_code": area}
        return self.client.post(f"/capitation-years/{year}/reconciliation", headers=headers, params=params)

    def build_view(self) -> None:
        self.view.rebuild(replay(self.store))

    def get(self, path: str, who: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=who or self.admin)


class Handlers:
    """Billing's command handlers behind its consumer, on a store alone: events arrive, commands
    run through the processor, accounts are read back as the API shows them (no HTTP, no broker)."""

    golden = staticmethod(golden)
    resident = staticmethod(resident)
    event = staticmethod(event)
    signed = staticmethod(signed)

    def __init__(self, store: EventStore, settings: BillingSettings) -> None:
        self.store, self.processor = store, CommandProcessor(store)
        charging, settlement = applications(settings)
        self.inbound = Inbound(charging, settlement, settings.timezone, capitation_for(settings))
        self._inputs = inputs(self.processor, self.inbound)

    def deliver(self, *envelopes: Envelope, topic: str = "test") -> None:
        self._inputs.handle([Delivery(e, parse_event(e), topic) for e in envelopes])

    def account(self, contract_id: str) -> dict[str, Any]:
        """`GET /contracts/{id}/account`'s body (its `version` is the ETag)."""
        found, version = ACCOUNTS.fold(self.store.read(ACCOUNTS.stream_id(contract_id)))
        return account_view(contract_id, found, version)


@pytest.fixture
def handlers(stores: OpenStore) -> Iterator[Handlers]:
    """Billing's handlers on the store of the test class (`InMemory` or `OnPostgres`)."""
    harness = Handlers(stores(), BillingSettings(environment="test"))
    yield harness
    harness.processor.close()


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> BillingSettings:
    settings: BillingSettings = service_settings(BillingSettings)
    return settings


@pytest.fixture
def billing(settings: BillingSettings, mint_token: Callable[..., str]) -> Iterator[Billing]:
    with running(settings, mint_token) as harness:
        yield harness


@pytest.fixture
def another_billing(service_settings: Callable[..., Any], mint_token: Callable[..., str]) -> Iterator[Billing]:
    """A second billing on a store of its own: the same inputs, computed apart."""
    settings = service_settings(BillingSettings, database_schema=f"t_{uuid.uuid4().hex[:12]}")
    with running(settings, mint_token) as harness:
        yield harness


@contextmanager
def running(settings: BillingSettings, mint_token: Callable[..., str]) -> Iterator[Billing]:
    clock = [datetime(2026, 2, 1, 2, tzinfo=UTC)]
    app = create_app(settings, clock=lambda: clock[0])
    app.state.inputs = app.state.pay_inputs = AllApplied()  # the harness hands billing its events itself (`deliver`)
    with TestClient(app, raise_server_exceptions=False) as client:
        harness = Billing(settings, client, mint_token, clock)
        yield harness
    # Other suites share the server: give back the connections the harness opened (the
    # app closes its own when it stops).
    harness.store.close()
    harness.view.engine.dispose()
