"""No double booking under concurrency: twenty residents book the same slot at once, through two
instances of the service (as two pods would) on the real PostgreSQL. The slot's places are taken
in the doctor's agenda, one stream: exactly its capacity of bookings succeed, the rest get 409."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from health_records.application.streams import AGENDAS, EVENTS
from health_records.bootstrap import create_app
from health_records.domain.appointments import AppointmentBooked
from health_records.settings import HealthRecordsSettings
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY

from .conftest import NOW, World

RESIDENTS = [resident_ref(f"3201021960010{n:05d}", DEV_PSEUDONYM_KEY) for n in range(20)]
SLOT = "2026-04-13T08:00:00+08:00"


@pytest.fixture
def two_pods(settings: HealthRecordsSettings, seeded: Callable[..., World]) -> Iterator[list[TestClient]]:
    seeded()  # team T1 with doc-1, as signing announced it
    with ExitStack() as stack:
        apps = [create_app(settings, clock=lambda: NOW) for _ in range(2)]
        clients = [stack.enter_context(TestClient(app, raise_server_exceptions=False)) for app in apps]
        yield clients
        for app in apps:
            app.state.store.close()
            app.state.fulfilment.engine.dispose()


@pytest.mark.parametrize("capacity", [1, 5])
def test_concurrent_bookings_take_exactly_the_slots_capacity(
    two_pods: list[TestClient], mint_token: Callable[..., str], capacity: int
) -> None:
    schedule = {"team_id": "T1", "doctor_id": "doc-1", "weekdays": [1], "starts": "08:00", "ends": "08:30"}
    schedule |= {"slot_minutes": 30, "capacity": capacity, "reserved_percent": 0}
    schedule |= {"first_day": "2026-04-13", "last_day": "2026-04-13"}
    staff = _headers(mint_token("family_doctor", sub="doc-1", team="T1", institution="CHC-1"))
    assert two_pods[0].post("/institutions/CHC-1/schedules", json=schedule, headers=staff).status_code == 201

    def book(n: int) -> Any:
        who = _headers(mint_token("resident", resident=RESIDENTS[n]))
        body = {"institution_id": "CHC-1", "doctor_id": "doc-1", "starts_at": SLOT}
        return two_pods[n % 2].post(f"/residents/{RESIDENTS[n]}/appointments", json=body, headers=who)

    with ThreadPoolExecutor(len(RESIDENTS)) as pool:
        answers = list(pool.map(book, range(len(RESIDENTS))))

    outcomes = Counter((a.status_code, a.json().get("type", "").rsplit("/", 1)[-1]) for a in answers)
    print(f"capacity {capacity}: {dict(outcomes)}")
    assert sum(n for (status, _), n in outcomes.items() if status == 201) == capacity
    assert sum(n for (status, _), n in outcomes.items() if status == 409) == len(RESIDENTS) - capacity
    agenda, _ = AGENDAS.fold(two_pods[1].app.state.store.read(AGENDAS.stream_id("CHC-1/doc-1:2026-04-13")))  # type: ignore[attr-defined]
    assert agenda is not None and len(agenda.taken) == capacity
    assert len({t.resident_ref for t in agenda.taken}) == capacity
    booked = [e for e in _log(two_pods[1]) if e.type in EVENTS.names_of(AppointmentBooked)]
    assert len(booked) == capacity


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}


def _log(client: TestClient) -> list[Any]:
    store = client.app.state.store  # type: ignore[attr-defined]
    return [e for ref in RESIDENTS for e in store.read(f"appointments-{ref}")]
