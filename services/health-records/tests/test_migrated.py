"""The service on tables the migrate Job created, as `make run` and production run it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from health_records.bootstrap import create_app, migrate
from health_records.settings import HealthRecordsSettings

BP = [{"kind": "systolic_bp", "value": 132, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 84, "unit": "mmHg"}]


def test_records_visits_and_fulfilment_once_migrated(
    service_settings: Callable[..., Any], world_on: Callable[..., Any], mint_token: Callable[..., str]
) -> None:
    migrate(service_settings(HealthRecordsSettings))  # as `make run` does before starting the processes
    settings = service_settings(HealthRecordsSettings, database_create_tables=False)
    world = world_on(settings)
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', sub='doc-1', team='T1')}"}
    visit = {"member_id": "doc-1", "place": "clinic", "fulfils": ["hypertension_follow_up"], "measurements": BP}

    with TestClient(create_app(settings, clock=lambda: datetime(2026, 4, 10, 2, 30, tzinfo=UTC))) as client:
        done = client.post(f"/residents/{world.ref}/visits", json=visit, headers=doctor | {"Idempotency-Key": "v1"})
        world.follower.catch_up()
        view = client.get(f"/residents/{world.ref}/fulfilment", headers=doctor)
        docs = client.get("/openapi.json")

    assert done.status_code == 201, done.text
    items = {i["item_code"]: i for i in view.json()["items"]}
    assert (view.json()["as_of"], items["hypertension_follow_up"]["done"]) == ("2026-04-10", 1)
    assert docs.status_code == 200 and "/residents/{resident_ref}/visits" in docs.json()["paths"]
