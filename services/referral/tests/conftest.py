from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from referral.adapters.consumers import appointments_from_health_records, contracts_from_signing
from referral.adapters.projections.read_models import feed_follower, overview_follower
from referral.application.commands import AcceptReferral, IssueReferral, Step
from referral.application.referrals import Referrals
from referral.application.streams import ERASURES, EVENTS, REFERRALS
from referral.application.views import referral_view
from referral.bootstrap import create_app, engine_for, store_for
from referral.domain.lifecycle import Appointment, Draft
from referral.domain.referral import Patient
from referral.settings import ReferralSettings
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

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 09:00 in China
CHINA = ZoneInfo("Asia/Shanghai")
DEV_KEY = bytes(32)  # sealing as the service does, with a key of the test's own
FIXTURES = Path(topics.__file__).with_name("fixtures")


def identity(serial: int) -> str:
    """An identity number of the right shape, different for each serial (born 1950-01-01)."""
    return f"44010619500101{serial:03d}X"


def ref(serial: int) -> str:
    return resident_ref(identity(serial), DEV_PSEUDONYM_KEY)


def golden(type_name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{type_name}.json").read_text())
    return loaded


HOSPITAL = "H3-4401"


def appointment_event(type_name: str, referral: dict[str, Any], appointment_id: str, at: str, **data: Any) -> Delivery:
    """A health-records appointment event, as referral's consumer receives it: a place in the
    hospital's specialist source, for this referral's resident."""
    message = golden(type_name)
    fields = {
        "appointment_id": appointment_id,
        "resident_ref": referral["resident_ref"],
        "doctor_id": f"{HOSPITAL}-D017",
        "team_id": f"{HOSPITAL}-cardiology",
        "institution_id": HOSPITAL,
        "session_id": f"{HOSPITAL}/{HOSPITAL}-D017:2026-04-03T14:00:00+08:00",
        "starts_at": "2026-04-03T14:20:00+08:00",
        "ends_at": "2026-04-03T14:40:00+08:00",
    }
    envelope = Envelope.model_validate(
        message | {"id": str(uuid.uuid4()), "time": at, "data": message["data"] | fields | data}
    )
    return Delivery(envelope, parse_event(envelope), topics.APPOINTMENTS.name)


def contract_event(type_name: str, **data: Any) -> Delivery:
    """A signing event as the consumer receives it: the golden message with these fields."""
    message = golden(type_name)
    envelope = Envelope.model_validate(message | {"id": str(uuid.uuid4()), "data": message["data"] | data})
    return Delivery(envelope, parse_event(envelope), topics.CONTRACTS.name)


def signed(serial: int, team_id: str, hospitals: tuple[str, str] = ("H2-440106", "H3-4401"), **data: Any) -> Delivery:
    fields = {
        "contract_id": str(uuid.uuid4()),
        "resident_ref": ref(serial),
        "team_id": team_id,
        "combined_signing": {"secondary_hospital_id": hospitals[0], "tertiary_hospital_id": hospitals[1]},
        "starts_on": "2026-01-06",
        "ends_on": "2027-01-05",
    }
    return contract_event("signing.ContractSigned.v1", **(fields | data))


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Api:
    """The referral API as its users see it: doctors of a team, hospitals, an administrator;
    with the helpers tests need (test modules cannot import this conftest)."""

    start = NOW
    identity, ref, signed, contract_event, golden = (
        staticmethod(identity),
        staticmethod(ref),
        staticmethod(signed),
        staticmethod(contract_event),
        staticmethod(golden),
    )
    appointment_event = staticmethod(appointment_event)

    def __init__(self, client: TestClient, mint: Callable[..., str], settings: ReferralSettings) -> None:
        self.client, self._mint = client, mint
        # The other processes' work (the consumer, the followers), on connections of their own.
        self.store, self.engine = store_for(settings), engine_for(settings)
        processor = CommandProcessor(self.store)
        self._contracts = contracts_from_signing(processor, Erasures(self.store, processor, ERASURES, lambda: NOW))
        self._followers = [feed_follower(self.store, self.engine), overview_follower(self.store, self.engine)]
        self.admin = self.as_("admin")

    def close(self) -> None:
        self.store.close()
        self.engine.dispose()

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, **claims)}"}

    def doctor(self, team_id: str, member: str = "doc-1") -> dict[str, str]:
        return self.as_("family_doctor", sub=member, team=team_id, institution="CHC-440106-01")

    def hospital(self, hospital_id: str) -> dict[str, str]:
        return self.as_("hospital", sub=f"{hospital_id}-desk", hospital=hospital_id)

    def post(self, path: str, body: Any, who: dict[str, str], key: str | None = None, **headers: str) -> Any:
        sent = {**who, "Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return self.client.post(path, json=body, headers=sent)

    def get(self, path: str, who: dict[str, str]) -> Any:
        return self.client.get(path, headers=who)

    def contract(self, *deliveries: Delivery) -> None:
        """Signing's events reach referral (as its consumer would hand them over)."""
        self._contracts.handle(list(deliveries))

    def catch_up(self) -> None:
        """The read models follow the log (what `fdcs project referral` does continuously)."""
        for follower in self._followers:
            follower.catch_up()

    def refer(self, team_id: str, serial: int, hospital_id: str = "H3-4401", **extra: Any) -> Any:
        body = {
            "patient": {"identity_number": identity(serial), "name": "Li Hua", "phone": "13800138000"},
            "hospital_id": hospital_id,
            "department": "cardiology",
            "priority": "routine",
            "reason": "Uncontrolled hypertension despite two drugs",
            "clinical_summary": "BP 168/102 on amlodipine and losartan.",
            **extra,
        }
        return self.post("/referrals", body, self.doctor(team_id))

    def issued(self, team_id: str, serial: int, hospital_id: str = "H3-4401", **extra: Any) -> dict[str, Any]:
        response = self.refer(team_id, serial, hospital_id, **extra)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def accept(self, referral: dict[str, Any], hours_ahead: float = 48, **headers: str) -> Any:
        body = {
            "appointment_at": (NOW + timedelta(hours=hours_ahead)).isoformat(),
            "department": "cardiology",
            "doctor": "Dr Wang",
        }
        who = self.hospital(referral["hospital_id"])
        return self.post(f"/referrals/{referral['referral_id']}/accept", body, who, **headers)


class Desk:
    """Referral's command handlers on a store alone (no HTTP, no broker): signing's and health
    records' events through its consumers, the doctors' and hospitals' steps through the processor."""

    identity, ref, signed, contract_event, golden = (
        staticmethod(identity),
        staticmethod(ref),
        staticmethod(signed),
        staticmethod(contract_event),
        staticmethod(golden),
    )
    appointment_event = staticmethod(appointment_event)

    def __init__(self, store: EventStore, clock: Clock) -> None:
        self.store, self.clock, self.processor = store, clock, CommandProcessor(store)
        self.referrals = Referrals(timedelta(hours=ReferralSettings().referral_answer_hours))
        self._contracts = contracts_from_signing(self.processor, Erasures(store, self.processor, ERASURES, clock))
        self._appointments = appointments_from_health_records(self.processor)

    def run(self, work: Any, who: Principal, key: str | None = None) -> dict[str, Any]:
        context = CommandContext(who.subject, key or str(uuid.uuid4()), "f", "corr", "cause", self.clock())
        result: dict[str, Any] = self.processor.execute_now(work, context).result
        return result

    def contract(self, *deliveries: Delivery) -> None:
        """Signing's events, as referral's consumer hands them to the handlers."""
        self._contracts.handle(list(deliveries))

    def appointment(self, *deliveries: Delivery) -> None:
        """Health records' appointment events, likewise."""
        self._appointments.handle(list(deliveries))

    @staticmethod
    def doctor(team_id: str, member: str = "doc-1") -> Principal:
        return Principal(member, "family_doctor", team_id=team_id, institution_id="CHC-440106-01")

    @staticmethod
    def hospital(hospital_id: str = "H3-4401") -> Principal:
        return Principal(f"{hospital_id}-desk", "hospital", hospital_id=hospital_id)

    def refer(self, team_id: str, serial: int, hospital_id: str = "H3-4401", **draft: Any) -> dict[str, Any]:
        patient = Patient(identity(serial), "Li Hua", "13800138000")
        fields = {"department": "cardiology", "priority": "routine", "reason": "BP 168/102", "clinical_summary": "."}
        drafted = Draft(str(uuid.uuid4()), ref(serial), patient, team_id, "doc-1", hospital_id, **(fields | draft))
        on = self.clock().astimezone(CHINA).date()
        return self.run(self.referrals.issue(self.doctor(team_id), IssueReferral(drafted, on)), self.doctor(team_id))

    def take(self, referral: dict[str, Any], step: Step, who: Principal) -> dict[str, Any]:
        return self.run(self.referrals.take(who, referral["referral_id"], None, step), who)

    def accept(self, referral: dict[str, Any], hours_ahead: float = 48) -> dict[str, Any]:
        at = NOW + timedelta(hours=hours_ahead)
        return self.take(referral, AcceptReferral(Appointment("cardiology", "Dr Wang", at)), self.hospital())

    def read(self, referral_id: str) -> dict[str, Any]:
        """`GET /referrals/{id}`'s body."""
        found, version = REFERRALS.fold(self.store.read(REFERRALS.stream_id(referral_id)))
        assert found is not None
        return referral_view(found, version)


@pytest.fixture
def desk(stores: OpenStore, clock: Clock) -> Iterator[Desk]:
    """Referral's handlers on the store of the test class (`InMemory` or `OnPostgres`), sealing as in service."""
    opened = Desk(stores(personal_fields(DEV_KEY, EVENTS)), clock)
    yield opened
    opened.processor.close()


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> ReferralSettings:
    # Few connections: the test sessions of the whole team share one server.
    settings: ReferralSettings = service_settings(ReferralSettings, database_pool_size=2)
    return settings


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(settings: ReferralSettings, clock: Clock, mint_token: Callable[..., str]) -> Iterator[Api]:
    app = create_app(settings, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, mint_token, settings)
        yield api
        # Connections are scarce (other test sessions share the server) and the app froze its
        # objects for the collector: close what it opened, its async one in its own loop.
        if hasattr(app.state.store.batch_path, "_reset"):
            client.portal.call(app.state.store.batch_path._reset)
    api.close()
    app.state.store.close()
    app.state.engine.dispose()


@pytest.fixture
def team() -> str:
    return f"T-{uuid.uuid4().hex[:8]}"


TODAY = date(2026, 4, 1)
