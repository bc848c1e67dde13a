"""Health records' authorization matrix: every route × every caller, each scoped to the other
party (team T2's doctor, resident 2, a hospital, a bureau, an official, an administrator) and
aimed at resident 1's record, visits and sickbed with team T1. Nobody but the resident and the
team in charge may read or write it: not an administrator either. See `shared.testing.matrix`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.testing import matrix
from shared.testing.matrix import Rules, World, callers, forged_token, only, public

Api = Any  # the `api` fixture (conftest.Api)
OTHER_REF = "r_" + "b" * 26  # resident 2, signed with team T2
NOBODY = "r_" + "c" * 26
NOTE, REASON, CONDITION = "Victim's visit note", "Victim's sickbed reason", "Victim's condition"
DATE = {"occurred_on": "2026-03-01"}
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
]
RULES: Rules = {
    "GET /health/live": public(),
    "GET /health/ready": public(),
    "GET /health/outbox": public(),
    "GET /metrics": public(),
} | {route: only() for route in [*READS, *BODIES]}


@pytest.fixture
def world(api: Api, mint_token: Any, tmp_path: Path) -> World:
    api.world.sign(OTHER_REF, "T2")
    condition = {"code": "I10", "name": CONDITION, "diagnosed_on": "2019-03-01"}
    assert api.send("POST", "/record/conditions", condition).status_code == 201
    visit = api.send("POST", "/visits", {"member_id": "doc-1", "place": "clinic", "summary": NOTE}).json()
    sickbed = api.send("POST", "/sickbeds", {"reason": REASON}).json()
    device = api.send("POST", "/devices", {"kind": "bp_monitor"}).json()
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
        },
        unknown={"resident_ref": NOBODY, "visit_id": str(uuid.uuid4()), "sickbed_id": str(uuid.uuid4())}
        | {"device_id": str(uuid.uuid4())},
        secrets={api.world.ref, visit["visit_id"], sickbed["sickbed_id"], device["device_id"], device["secret"]}
        | {NOTE, REASON, CONDITION},
        bodies=BODIES,
    )


def test_every_route_has_its_expectations(api: Api) -> None:
    assert matrix.unclassified(api.client, RULES) == []


def test_nobody_but_the_resident_and_their_team_reaches_a_record(world: World, record_property: Any) -> None:
    cases, failures = matrix.run(world, RULES)

    record_property("matrix_cases", cases)
    print(f"health-records: {cases} route × caller cases")
    assert failures == [], "\n".join(failures)
