"""A resident erased in signing: health records shreds its key, records it, and the record
stays (its history too) with every personal field reading as erased."""

from __future__ import annotations

from typing import Any

from health_records.settings import HealthRecordsSettings
from shared.eventstore.cipher import ERASED
from shared.testing.dumps import database_dump, found_in

Api = Any  # the `api` fixture (conftest.Api)
IDENTITY = "11010519491231002X"  # conftest.IDENTITY: the resident whose ref is REF
BASIC = {
    "name": "Zhao Yunlan",
    "sex": "female",
    "birth_date": "1949-12-31",
    "identity_number": IDENTITY,
    "phone": "13812345670",
    "address": "88 Huangpu Avenue",
    "emergency_contact": "Zhao Xiaoyun 13912345671",
}
NOTE = "fell at home last week, lives alone"
SECRETS = [BASIC["name"], BASIC["phone"], BASIC["address"], "Zhao Xiaoyun", IDENTITY, NOTE]


def _keep(api: Api) -> None:
    assert api.send("PUT", "/record/basic-information", BASIC).status_code == 200
    note = {"kind": "other", "summary": NOTE, "occurred_on": "2026-03-01"}
    assert api.send("POST", "/record/recent-information", note).status_code == 201


def test_the_record_s_personal_data_is_sealed_at_rest(api: Api, settings: HealthRecordsSettings) -> None:
    _keep(api)

    assert found_in(database_dump(settings.database_url, [settings.database_schema]), SECRETS) == []
    body = api.get("/record").json()
    assert (body["basic_information"]["phone"], body["recent_information"][0]["summary"]) == (BASIC["phone"], NOTE)


def test_after_erasure_the_record_and_its_history_read_erased(api: Api, settings: HealthRecordsSettings) -> None:
    _keep(api)
    before = api.get("/record").json()

    erased = api.world.tell  # signing's public event, as the consumer hands it over (twice: a redelivery)
    delivery = {"resident_ref": api.world.ref, "erased_at": "2026-04-10T10:00:00+08:00"}
    erased("signing.ResidentErased.v1", **delivery)
    erased("signing.ResidentErased.v1", **delivery)

    after = api.get("/record").json()
    basic = after["basic_information"]
    assert {k: basic[k] for k in ("name", "phone", "address", "emergency_contact", "identity_number")} == dict.fromkeys(
        ("name", "phone", "address", "emergency_contact", "identity_number"), ERASED
    )
    assert (basic["sex"], basic["birth_date"]) == (BASIC["sex"], BASIC["birth_date"])
    assert after["recent_information"][0]["summary"] == ERASED
    assert after["key_populations"] == before["key_populations"] and after["version"] == before["version"]
    history = api.get("/record/history")
    assert history.status_code == 200 and found_in(history.text, SECRETS) == []
    audit = api.world.store.read(f"erasure-{api.world.ref}")
    assert [e.type for e in audit] == ["health_records.internal.ErasureNoted.v1"]
