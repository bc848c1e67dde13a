"""Device readings the appraisal's follow-up and control may count: plausible blood pressure of a
hypertension patient, glucose of a diabetes patient, published once for the team in charge, with
the pseudonymous ref and the values only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from health_records.adapters.publishing import to_public
from health_records.domain import readings
from health_records.domain.care_events import Delivered
from health_records.domain.readings import Reading
from shared.contracts import Envelope, parse_event, topics

from .conftest import REF

NOW = datetime(2026, 4, 10, 2, 30, tzinfo=UTC)
TEAM = Delivered("r_" + "a" * 26, "c1", "T1", "CHC-1", "440106")
Api = Any  # the `api` fixture (conftest.Api)
AT = "2026-04-10T07:30:00+08:00"


def recorded(kind: str, value: float, unit: str, at: datetime = NOW, fasting: bool = False) -> readings.ReadingRecorded:
    return readings.record("d1", TEAM.resident_ref, Reading(kind, value, unit, at, fasting), NOW)


def test_a_reading_counts_for_the_populations_it_follows_up() -> None:
    hypertension, diabetes = frozenset({"hypertension"}), frozenset({"diabetes"})
    counted = readings.for_follow_up(recorded("systolic", 128, "mmHg"), "bp_monitor", hypertension, TEAM)
    assert counted == readings.ReadingForFollowUp(
        f"d1:systolic@{NOW.isoformat()}", TEAM, "d1", "bp_monitor", "systolic", 128, "mmHg", False, NOW
    )
    assert readings.for_follow_up(recorded("diastolic", 82, "mmHg"), "bp_monitor", hypertension, TEAM) is not None
    glucose = recorded("glucose", 6.2, "mmol/L", fasting=True)
    assert readings.for_follow_up(glucose, "glucose_meter", diabetes, TEAM) is not None
    assert readings.for_follow_up(glucose, "glucose_meter", hypertension, TEAM) is None  # not whose it follows
    assert readings.for_follow_up(recorded("systolic", 128, "mmHg"), "bp_monitor", diabetes, TEAM) is None
    assert readings.for_follow_up(recorded("heart_rate", 70, "bpm"), "wearable", hypertension, TEAM) is None
    assert readings.for_follow_up(recorded("systolic", 128, "mmHg"), "bp_monitor", frozenset({"elderly"}), TEAM) is None
    assert readings.for_follow_up(recorded("systolic", 128, "mmHg"), "bp_monitor", hypertension, None) is None
    broken = recorded("systolic", 20, "mmHg")  # implausible: a faulty cuff is no follow-up
    assert readings.for_follow_up(broken, "bp_monitor", hypertension, TEAM) is None
    future = recorded("systolic", 128, "mmHg", NOW + timedelta(hours=1))
    assert readings.for_follow_up(future, "bp_monitor", hypertension, TEAM) is None


def link(api: Api) -> Any:
    return api.send("POST", "/devices", {"kind": "bp_monitor"}).json()


def post(api: Api, device: dict[str, str], body: Any) -> Any:
    headers = {"Authorization": f"Device {device['secret']}"}
    return api.client.post(f"/devices/{device['device_id']}/readings", json=body, headers=headers)


def test_plausible_readings_are_published_once_for_the_appraisal(api: Api) -> None:
    device = link(api)
    batch = {
        "readings": [
            {"kind": "systolic", "value": 128, "unit": "mmHg", "measured_at": AT},
            {"kind": "diastolic", "value": 82, "unit": "mmHg", "measured_at": AT},
            {"kind": "heart_rate", "value": 70, "unit": "bpm", "measured_at": AT},  # not followed up
            {"kind": "systolic", "value": 900, "unit": "mmHg", "measured_at": "2026-04-10T08:00:00+08:00"},
        ]
    }
    assert post(api, device, batch).json()["accepted"] == 4
    assert post(api, device, batch).json()["repeated"] == 4  # sent again: nothing new published

    messages = [m for e in api.world.store.read_log(0, 10_000) for m in to_public(e)]
    counted = [m for m in messages if b"ReadingForFollowUp" in m.value]
    events = [parse_event(Envelope.decode(m.value)) for m in counted]
    assert sorted((e.kind, e.value) for e in events) == [("diastolic", 82), ("systolic", 128)]  # type: ignore[attr-defined]
    first = events[0]
    assert first.TYPE == "health_records.ReadingForFollowUp.v1"
    assert (first.resident_ref, first.team_id, first.device_kind) == (REF, "T1", "bp_monitor")  # type: ignore[attr-defined]
    assert first.measured_at == datetime.fromisoformat(AT)  # type: ignore[attr-defined]
    assert {m.key for m in counted} == {REF} and {m.topic for m in counted} == {topics.HEALTH_SERVICES.name}
    assert device["secret"] not in str([m.value for m in counted])
