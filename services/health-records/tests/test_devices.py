"""Residents' devices over HTTP: linked by the resident or their team, readings posted as the device
(its credential checked before the body is read), kept once, flagged, and alerting the team. (Who
may link one, and what readings count as, are tested on the handlers too: `test_handlers.py`.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from health_records.adapters.publishing import to_public
from health_records.bootstrap import create_app
from health_records.settings import HealthRecordsSettings
from shared.contracts import Envelope, parse_event, topics

from .conftest import NOW, REF, World
from .conftest import Api as Client

Api = Any  # the `api` fixture (conftest.Api)
AT = "2026-04-10T07:30:00+08:00"


def link(api: Api, who: dict[str, str] | None = None, kind: str = "bp_monitor") -> Any:
    return api.send("POST", "/devices", {"kind": kind}, who=who)


def post(api: Api, device_id: str, secret: str, body: Any) -> Any:
    return api.client.post(f"/devices/{device_id}/readings", json=body, headers={"Authorization": f"Device {secret}"})


def compact(kind: str, value: float, unit: str, at: str = AT, **more: Any) -> dict[str, Any]:
    return {"kind": kind, "value": value, "unit": unit, "measured_at": at, **more}


def test_the_resident_or_their_team_links_and_unlinks_a_device(api: Api) -> None:
    by_resident, by_doctor = link(api, api.resident), link(api)
    assert by_resident.status_code == by_doctor.status_code == 201, by_resident.text
    device = by_resident.json()
    assert device["resident_ref"] == REF and len(device["secret"]) >= 40
    assert by_doctor.json()["device_id"] != device["device_id"]

    other_team = api.as_("family_doctor", sub="doc-9", team="T2", institution="CHC-2")
    assert link(api, other_team).status_code == 403
    replayed = api.send("POST", "/devices", {"kind": "bp_monitor"}, key="same", who=api.resident)
    again = api.send("POST", "/devices", {"kind": "bp_monitor"}, key="same", who=api.resident)
    assert again.json()["device_id"] == replayed.json()["device_id"] and "secret" not in again.json()

    gone = api.send("DELETE", f"/devices/{device['device_id']}", None, who=api.resident)
    assert gone.status_code == 200 and gone.json()["unlinked_at"]
    assert api.send("DELETE", f"/devices/{device['device_id']}", None).status_code == 409


class Unreadable:
    """A body that fails the test if the server reads it."""

    def __iter__(self) -> Any:
        raise AssertionError("the body was read before the device was authenticated")


@pytest.mark.parametrize("case", ["no credential", "wrong secret", "wrong device", "bearer", "unlinked"])
def test_a_device_is_authenticated_before_its_body_is_read(api: Api, case: str) -> None:
    first, second = link(api).json(), link(api).json()
    if case == "unlinked":
        api.send("DELETE", f"/devices/{first['device_id']}", None)
    headers = {
        "no credential": {},
        "wrong secret": {"Authorization": "Device " + "x" * 43},
        "wrong device": {"Authorization": f"Device {second['secret']}"},
        "bearer": api.doctor,
        "unlinked": {"Authorization": f"Device {first['secret']}"},
    }[case]
    sent = api.client.post(f"/devices/{first['device_id']}/readings", content=Unreadable(), headers=headers)
    expected = 403 if case in ("bearer", "unlinked") else 401
    assert sent.status_code == expected, sent.text
    assert sent.headers["content-type"] == "application/problem+json"
    assert first["secret"] not in sent.text and second["secret"] not in sent.text


def test_fhir_observations_a_blood_pressure_panel_and_a_bundle(api: Api) -> None:
    device = link(api).json()

    def quantity(code: str, value: float, unit: str) -> dict[str, Any]:
        coded = {"coding": [{"system": "http://loinc.org", "code": code}]}
        return {"code": coded, "valueQuantity": {"value": value, "code": unit}}

    panel = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "effectiveDateTime": AT,
        "component": [quantity("8480-6", 150, "mm[Hg]"), quantity("8462-4", 88, "mm[Hg]")],
    }
    observation = {"resourceType": "Observation", "status": "final", "effectiveDateTime": AT}
    steps = observation | quantity("55423-8", 4200, "{steps}")
    weight = observation | quantity("29463-7", 70, "kg")
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": r} for r in (panel, steps, weight)]}
    answer = post(api, device["device_id"], device["secret"], bundle)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 3, "repeated": 0, "implausible": 0, "alerts": 1, "ignored": 1}
    mixed = post(api, device["device_id"], device["secret"], {"readings": [panel, compact("steps", 4200, "steps")]})
    assert mixed.json()["repeated"] == 3


def test_a_bad_or_oversized_batch_is_refused(api: Api) -> None:
    device = link(api).json()
    minutes = [f"2026-04-09T{i // 60:02d}:{i % 60:02d}:00+08:00" for i in range(501)]
    too_many = {"readings": [compact("steps", i, "steps", at) for i, at in enumerate(minutes)]}
    assert post(api, device["device_id"], device["secret"], too_many).status_code == 422
    assert post(api, device["device_id"], device["secret"], {"readings": [{"kind": "mood"}]}).status_code == 422
    naive = compact("steps", 1, "steps", "2026-04-09T10:00:00")
    assert post(api, device["device_id"], device["secret"], {"readings": [naive]}).status_code == 422


def test_an_out_of_target_reading_alerts_the_team_once_with_no_personal_data(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    device = link(api).json()
    high = {"readings": [compact("systolic", 152, "mmHg"), compact("diastolic", 86, "mmHg")]}
    assert post(api, device["device_id"], device["secret"], high).json()["alerts"] == 1
    assert post(api, device["device_id"], device["secret"], high).json()["alerts"] == 0  # sent again

    messages = [m for e in api.world.store.read_log(0, 10_000) for m in to_public(e)]
    alerts = [Envelope.decode(m.value) for m in messages if b"ReadingOutOfTarget" in m.value]
    assert len(alerts) == 1 and alerts[0].type == "health_records.ReadingOutOfTarget.v1"
    event = parse_event(alerts[0])
    assert event.resident_ref == REF and event.team_id == "T1" and event.kind == "systolic"  # type: ignore[attr-defined]
    assert [m.key for m in messages if b"ReadingOutOfTarget" in m.value] == [REF]
    assert all(m.topic == topics.HEALTH_SERVICES.name for m in messages)
    assert device["secret"] not in caplog.text and device["secret"] not in str([m.value for m in messages])
    assert "secret_hash" not in str([m.value for m in messages])


def test_in_the_simulation_a_device_posts_at_the_simulated_time_with_the_simulations_token_beside_its_own(
    settings: HealthRecordsSettings, seeded: Callable[..., World], mint_token: Callable[..., str]
) -> None:
    """A device cannot send a bearer token: where the clock is simulated (never in production), the
    simulation's token comes in `X-Simulation-Authorization`, else the time is refused."""
    simulated = settings.model_copy(update={"simulated_clock": True})
    world, app = seeded(), create_app(simulated, clock=lambda: NOW)  # really: April
    december = {"X-Simulated-Time": "2026-12-20T09:00:00+08:00"}
    reading = {"readings": [compact("systolic", 120, "mmHg", "2026-12-20T07:30:00+08:00")]}
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Client(client, mint_token, world)
        device = link(api).json()
        url, own = f"/devices/{device['device_id']}/readings", {"Authorization": f"Device {device['secret']}"}
        alone = client.post(url, json=reading, headers=own | december)
        assert (alone.status_code, alone.json()["type"]) == (403, "/problems/simulated-time-forbidden")
        not_the_simulation = {"X-Simulation-Authorization": f"Bearer {mint_token('admin')}"}
        assert client.post(url, json=reading, headers=own | december | not_the_simulation).status_code == 403
        beside = {"X-Simulation-Authorization": f"Bearer {mint_token('admin', simulation=True)}"}
        sent = client.post(url, json=reading, headers=own | december | beside)
        assert sent.status_code == 200, sent.text
        assert sent.json() | {"ignored": 0} == {
            "accepted": 1,
            "repeated": 0,
            "implausible": 0,
            "alerts": 0,
            "ignored": 0,
        }
        wrong = {"Authorization": "Device " + "x" * 43}  # the simulation's token proves no device
        assert client.post(url, json=reading, headers=wrong | december | beside).status_code == 401
        in_april = client.post(
            url, json={"readings": [compact("systolic", 121, "mmHg", "2026-12-21T07:30:00+08:00")]}, headers=own
        )
        assert in_april.json()["implausible"] == 1  # without the simulated time: December is the future
    app.state.store.close()
    app.state.fulfilment.engine.dispose()
