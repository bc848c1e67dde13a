"""Health records' authorization matrix: every route × every caller, each scoped to the other
party (team T2's doctor, resident 2, a hospital, a bureau, an official, an administrator) and
aimed at resident 1's record, visits and sickbed with team T1. Nobody but the resident and the
team in charge may read or write it: not an administrator either. See `shared.testing.matrix`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from health_records.adapters.projections import reading_alerts, resident_devices
from health_records.settings import HealthRecordsSettings
from shared.testing import matrix
from shared.testing.matrix import Rules, World, callers, forged_token, only

Api = Any  # the `api` fixture (conftest.Api)
OTHER_REF = "r_" + "b" * 26  # resident 2, signed with team T2
NOBODY = "r_" + "c" * 26
NOTE, REASON, CONDITION = "Victim's visit note", "Victim's sickbed reason", "Victim's condition"
DATE = {"occurred_on": "2026-03-01"}
SCHEDULE = {"team_id": "T1", "doctor_id": "doc-1", "weekdays": [1], "starts": "08:00", "ends": "09:00"} | {
    "slot_minutes": 15,
    "first_day": "2026-04-13",
    "last_day": "2026-04-13",
}
RECORD = "/residents/{resident_ref}/record"
SERVICES = "/residents/{resident_ref}"
BODIES: dict[str, Any] = {
    f"PUT {RECORD}/basic-information": {"name": "Someone", "sex": "female", "birth_date": "1950-01-01"},
    f"POST {RECORD}/conditions": {"code": "E11", "name": "Diabetes", "diagnosed_on": "2026-01-01"},
    f"POST {RECORD}/conditions/{{code}}/resolution": {},
    f"POST {RECORD}/allergies": {"substance": "penicillin", "reaction": "rash", "severity": "mild"},
    f"POST {RECORD}/family-history": {"relative": "father", "code": "I10", "name": "Hypertension"},
    f"POST {RECORD}/recent-information": {"kind": "examination", "summary": "ECG normal"} | DATE,
    "PUT /residents/{resident_ref}/plan": {"services": [], "reason": "review"},
    f"POST {SERVICES}/visits": {"member_id": "doc-1", "place": "clinic"},
    f"POST {SERVICES}/long-prescriptions": {"member_id": "doc-1", "condition": "hypertension", "days": 30}
    | {"medicines": ["amlodipine 5 mg daily"]},
    f"POST {SERVICES}/sickbeds": {"reason": "post-stroke care"},
    f"POST {SERVICES}/sickbeds/{{sickbed_id}}/discharge": {},
    f"POST {SERVICES}/ratings": {"team_id": "T1", "ability": 1, "attitude": 1, "responsiveness": 1},
    f"POST {SERVICES}/devices": {"kind": "bp_monitor"},
    f"DELETE {SERVICES}/devices/{{device_id}}": None,
    f"POST {SERVICES}/appointments": {
        "institution_id": "CHC-1",
        "doctor_id": "doc-1",
        "starts_at": "2026-04-13T08:15:00+08:00",
    },
    f"POST {SERVICES}/appointments/{{appointment_id}}/reschedule": {
        "institution_id": "CHC-1",
        "doctor_id": "doc-1",
        "starts_at": "2026-04-13T08:30:00+08:00",
    },
    f"POST {SERVICES}/appointments/{{appointment_id}}/cancel": None,
    f"POST {SERVICES}/appointments/{{appointment_id}}/attended": None,
    f"POST {SERVICES}/appointments/{{appointment_id}}/missed": None,
    "POST /hospitals/{hospital_id}/sources": {"clinic_id": "cardiology-1", "weekdays": [2], "starts": "14:00"}
    | {"ends": "15:00", "slot_minutes": 20, "first_day": "2026-04-14", "last_day": "2026-04-14"},
    "POST /institutions/{institution_id}/schedules": SCHEDULE | {"first_day": "2026-04-20", "last_day": "2026-04-20"},
    # A person's token is not a device's credential: 401 if forged, else 403, for any device.
    "POST /devices/{device_id}/readings": {
        "readings": [{"kind": "systolic", "value": 150, "unit": "mmHg", "measured_at": "2026-04-10T07:30:00+08:00"}]
    },
}
READS = [
    f"GET {RECORD}",
    f"GET {RECORD}/history",
    f"GET {RECORD}/reads",
    "GET /residents/{resident_ref}/plan",
    "GET /residents/{resident_ref}/fulfilment",
    "GET /teams/{team_id}/fulfilment",
    f"GET {SERVICES}/visits",
    f"GET {SERVICES}/visits/{{visit_id}}",
    f"GET {SERVICES}/long-prescriptions",
    f"GET {SERVICES}/sickbeds",
    f"GET {SERVICES}/appointments",
    f"GET {SERVICES}/readings",
]
# A doctor's free places are shown to anyone signed in; who booked them, to the doctor's team only.
SLOTS = "GET /institutions/{institution_id}/doctors/{doctor_id}/slots"
RULES: Rules = {route: only() for route in [*READS, *BODIES]}
RULES[SLOTS] = only(**dict.fromkeys(("resident", "family_doctor", "hospital", "insurance_bureau"), matrix.SCOPED)) | {
    "official": matrix.SCOPED,
    "admin": matrix.SCOPED,
}
RULES["POST /appointments/reminders"] = only(admin=matrix.ALLOWED)
# The team's worklist of device alerts (readings' values, residents' refs): the team's own only. The
# counts per team of an area: its officials and administrators, and each doctor their own team's.
ALERTS = "/teams/{team_id}/reading-alerts"
RULES |= {f"GET {ALERTS}": only(), f"POST {ALERTS}/{{alert_id}}/acknowledgement": only()}
RULES[f"DELETE {ALERTS}/{{alert_id}}/acknowledgement"] = only()
AREA_ALERTS = "GET /areas/{area_code}/reading-alerts"
RULES[AREA_ALERTS] = only(official=matrix.SCOPED, family_doctor=matrix.SCOPED, admin=matrix.SCOPED)
BODIES["POST /appointments/reminders"] = {"as_of": "2026-04-10T02:00:00Z"}


@pytest.fixture
def world(api: Api, mint_token: Any, tmp_path: Path) -> World:
    api.world.sign(OTHER_REF, "T2")
    condition = {"code": "I10", "name": CONDITION, "diagnosed_on": "2019-03-01"}
    assert api.send("POST", "/record/conditions", condition).status_code == 201
    visit = api.send("POST", "/visits", {"member_id": "doc-1", "place": "clinic", "summary": NOTE}).json()
    sickbed = api.send("POST", "/sickbeds", {"reason": REASON}).json()
    device = api.send("POST", "/devices", {"kind": "bp_monitor"}).json()
    published = api.client.post("/institutions/CHC-1/schedules", json=SCHEDULE, headers=_keyed(api.doctor))
    assert published.status_code == 201
    booking = {"institution_id": "CHC-1", "doctor_id": "doc-1", "starts_at": "2026-04-13T08:00:00+08:00"}
    appointment = api.send("POST", "/appointments", booking, api.resident).json()
    high = {"kind": "systolic", "value": 150, "unit": "mmHg", "measured_at": "2026-04-10T07:00:00+08:00"}
    sent = api.client.post(
        f"/devices/{device['device_id']}/readings",
        json={"readings": [high]},
        headers={"Authorization": f"Device {device['secret']}"},
    )
    assert sent.json()["alerts"] == 1
    engine = api.client.app.state.reading_alerts.engine
    reading_alerts.follower(api.world.store, engine, HealthRecordsSettings().timezone).catch_up()
    resident_devices.follower(api.world.store, engine).catch_up()  # the readings listed: the victim's
    alert = api.client.get("/teams/T1/reading-alerts", headers=api.doctor).json()["items"][0]
    claims = {
        "resident": {"resident": OTHER_REF},
        "family_doctor": {"sub": "doc-1", "team": "T2", "institution": "CHC-2"},
        "hospital": {"hospital": "H2"},
        "insurance_bureau": {"bureau": "MIB-2"},
        "official": {"area": "440106"},  # the victim's own area: officials do not read records
    }
    return World(
        client=api.client,
        callers=callers(mint_token, forged_token(tmp_path), claims),
        params={
            "resident_ref": api.world.ref,
            "team_id": "T1",
            "code": "I10",
            "visit_id": visit["visit_id"],
            "sickbed_id": sickbed["sickbed_id"],
            "device_id": device["device_id"],
            "appointment_id": appointment["appointment_id"],
            "institution_id": "CHC-1",
            "doctor_id": "doc-1",
            "hospital_id": "H1",
            "alert_id": alert["alert_id"],
            "area_code": "440106",
        },
        unknown={"resident_ref": NOBODY, "visit_id": str(uuid.uuid4()), "sickbed_id": str(uuid.uuid4())}
        | {"device_id": str(uuid.uuid4()), "appointment_id": str(uuid.uuid4()), "institution_id": "CHC-404"}
        | {"hospital_id": "H-404", "alert_id": str(uuid.uuid4())},
        secrets={api.world.ref, visit["visit_id"], sickbed["sickbed_id"], device["device_id"], device["secret"]}
        | {appointment["appointment_id"], alert["alert_id"]}
        | {NOTE, REASON, CONDITION},
        bodies=BODIES,
        queries={
            SLOTS: {"from": "2026-04-13", "to": "2026-04-13"},
            AREA_ALERTS: {"from": "2026-01-01", "to": "2026-12-31"},
        },
    )


def _keyed(headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": str(uuid.uuid4())}


def test_every_route_has_its_expectations(api: Api) -> None:
    assert matrix.unclassified(api.client, RULES) == []


def test_nobody_but_the_resident_and_their_team_reaches_a_record(world: World, record_property: Any) -> None:
    cases, failures = matrix.run(world, RULES)

    record_property("matrix_cases", cases)
    print(f"health-records: {cases} route × caller cases")
    assert failures == [], "\n".join(failures)
