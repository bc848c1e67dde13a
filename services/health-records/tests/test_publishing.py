"""What leaves the service: services delivered and ratings, by pseudonymous ref, valid against
their public contract, and never a personal identifier, note, medicine or comment."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from health_records.adapters.publishing import to_public
from shared.contracts import Envelope, parse_event, topics

Api = Any  # the `api` fixture (conftest.Api)
SECRETS = {
    "identity number": "11010519491231002X",
    "phone": "13800138000",
    "address": "12 Shipai Road",
    "name": "Li Hua",
    "clinical note": "complains of dizziness",
    "medicine": "amlodipine",
    "sickbed reason": "post-stroke care",
    "comment": "Dr Wang",
    "condition": "Essential hypertension",
}


def test_only_services_and_ratings_are_published_and_no_identifier_leaves(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    basic = {
        "name": "Li Hua",
        "sex": "female",
        "birth_date": "1949-12-31",
        "identity_number": SECRETS["identity number"],
    }
    bp = [{"kind": "systolic_bp", "value": 150, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 95, "unit": "mmHg"}]
    visit = {"member_id": "doc-1", "place": "home", "fulfils": ["hypertension_follow_up"], "measurements": bp}
    prescription = {"member_id": "doc-1", "condition": "hypertension", "days": 56, "medicines": ["amlodipine 5 mg"]}
    rating = {"team_id": "T1", "ability": 5, "attitude": 5, "responsiveness": 4, "comment": "Dr Wang is great"}
    responses = [
        api.send(
            "PUT", "/record/basic-information", basic | {"phone": SECRETS["phone"], "address": SECRETS["address"]}
        ),
        api.send(
            "POST", "/record/conditions", {"code": "I10", "name": SECRETS["condition"], "diagnosed_on": "2019-03-01"}
        ),
        api.send("POST", "/visits", visit | {"summary": "complains of dizziness"}),
        api.send("POST", "/long-prescriptions", prescription),
        api.send("POST", "/sickbeds", {"reason": SECRETS["sickbed reason"]}),
        api.send("POST", "/ratings", rating, who=api.resident),
    ]
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    api.get("/record")  # a logged read: internal too

    messages = [m for e in api.world.store.read_log(0, 1000) for m in to_public(e)]

    envelopes = [Envelope.decode(m.value) for m in messages]
    assert [e.type for e in envelopes] == [
        "health_records.VisitCompleted.v1",
        "health_records.LongPrescriptionIssued.v1",
        "health_records.FamilySickbedAdmitted.v1",
        "health_records.ServiceRated.v1",
    ]
    assert {(m.topic, m.key) for m in messages} == {(topics.HEALTH_SERVICES.name, api.world.ref)}
    events = [parse_event(e) for e in envelopes]
    assert {e.model_dump()["team_id"] for e in events} == {"T1"}
    assert json.loads(messages[0].value)["data"]["measurements"][0] == {
        "kind": "systolic_bp",
        "value": 150.0,
        "unit": "mmHg",
    }
    for what, secret in SECRETS.items():
        assert not any(secret.encode() in m.value for m in messages), f"the {what} left the service"
        assert secret not in caplog.text, f"the {what} was logged"
