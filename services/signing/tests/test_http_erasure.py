"""Erasing a resident: their key is shredded, their contracts stay, their name reads erased.

Before: the resident's name and identity number are nowhere in the schema's tables in
clear (store, receipts, contract index), yet the API shows them to whom may read them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import jwt
from fastapi.testclient import TestClient

from shared.eventstore.cipher import ERASED
from shared.testing.dumps import database_dump, found_in
from signing.bootstrap import create_app
from signing.settings import SigningSettings

TEAM = "T-erase"
Api = Any  # the `api` fixture (conftest.Api)


def _signed(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    api.register_team(TEAM)
    body = api.sign(TEAM, 7)
    return body, api.as_("resident", resident=body["resident_ref"])


def dump(settings: SigningSettings) -> str:
    return database_dump(settings.database_url, [settings.database_schema])


def test_a_resident_s_name_and_identity_are_sealed_at_rest_but_shown_to_their_readers(
    api: Api, settings: SigningSettings
) -> None:
    body, _ = _signed(api)
    api.search(team_id=TEAM)  # the index has caught up

    at_rest = dump(settings)
    assert body["resident_ref"] in at_rest
    assert found_in(at_rest, ["Resident 7", api.identity(7)]) == []
    assert api.get(f"/contracts/{body['contract_id']}").json()["resident_name"] == "Resident 7"
    assert api.search(team_id=TEAM).json()["items"][0]["resident_name"] == "Resident 7"


def test_only_the_resident_or_an_administrator_may_erase_and_only_for_a_listed_reason(api: Api) -> None:
    body, _ = _signed(api)
    path = f"/residents/{body['resident_ref']}/erasure"
    other = api.as_("resident", resident="r_" + "b" * 26)
    doctor = api.as_("family_doctor", team=TEAM)

    assert api.post(path, {"reason": "resident_request"}, other).status_code == 403
    assert api.post(path, {"reason": "resident_request"}, doctor).status_code == 403
    assert api.post(path, {"reason": "felt like it"}).status_code == 422
    assert api.post("/residents/not-a-ref/erasure", {"reason": "deceased"}).status_code == 422
    assert api.get(f"/contracts/{body['contract_id']}").json()["resident_name"] == "Resident 7"


def test_after_erasure_the_contract_stays_and_the_resident_s_data_reads_erased(
    api: Api, settings: SigningSettings
) -> None:
    body, resident = _signed(api)
    before = api.get(f"/contracts/{body['contract_id']}").json()
    path = f"/residents/{body['resident_ref']}/erasure"

    erased = api.post(path, {"reason": "resident_request"}, resident, key="erase-1")
    again = api.post(path, {"reason": "resident_request"}, resident, key="erase-1")
    later = api.post(path, {"reason": "deceased"})

    assert erased.status_code == 200, erased.text
    assert erased.json()["reason"] == "resident_request"
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == erased.json()
    assert later.json() == erased.json()  # erased once: the first erasure stands
    after = api.get(f"/contracts/{body['contract_id']}").json()
    assert after == before | {"resident_name": ERASED}
    assert api.search(team_id=TEAM).json()["items"][0]["resident_name"] == ERASED
    assert found_in(dump(settings), ["Resident 7", api.identity(7)]) == []
    api.clock.to(date.fromisoformat(body["ends_on"]) - timedelta(days=10))  # renewal open
    renewal = api.post(f"/contracts/{body['contract_id']}/renewal", {})
    assert (renewal.status_code, renewal.json()["type"]) == (409, "/problems/resident-erased")
    audit = api.client.app.state.store.read(f"erasure-{body['resident_ref']}")
    assert [(e.type, e.data["reason"], e.meta.actor) for e in audit] == [
        ("signing.internal.ResidentErased.v1", "resident_request", resident_subject(resident))
    ]


def test_a_repeated_erasure_answers_the_first_one_after_a_restart(api: Api, settings: SigningSettings) -> None:
    body, _ = _signed(api)
    path = f"/residents/{body['resident_ref']}/erasure"
    first = api.post(path, {"reason": "deceased"}, key="erase-2")

    restarted = create_app(settings, clock=api.clock)  # no cache: the receipt is read from the store
    with TestClient(restarted) as client:
        again = client.post(path, json={"reason": "deceased"}, headers=api.admin | {"Idempotency-Key": "erase-2"})
    restarted.state.store.close()
    restarted.state.index.engine.dispose()

    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert again.json() == first.json() and first.json()["reason"] == "deceased"


def resident_subject(who: dict[str, str]) -> str:
    return str(jwt.decode(who["Authorization"].split()[1], options={"verify_signature": False})["sub"])


def test_erasing_a_member_of_a_family_erases_their_part_of_the_agreements_receipt_only(
    api: Api, settings: SigningSettings
) -> None:
    """An agreement's result names several residents: each one's part is sealed with their own
    key, so erasing one shreds their name in the receipt too (a key never erased would keep it)."""
    api.register_team(TEAM)
    family = {"kind": "family", "team_id": TEAM, "packages": ["basic"]}
    family["members"] = [{"resident": api.resident(8)}, {"resident": api.resident(9)}]
    signed = api.post("/agreements", family, key="family-8-9")
    erased_ref, kept_ref = (c["resident_ref"] for c in signed.json()["contracts"])
    api.post(f"/residents/{erased_ref}/erasure", {"reason": "resident_request"})

    restarted = create_app(settings, clock=api.clock)  # no cache: the receipt is read from the store
    with TestClient(restarted) as client:
        again = client.post("/agreements", json=family, headers=api.admin | {"Idempotency-Key": "family-8-9"})
    restarted.state.store.close()
    restarted.state.index.engine.dispose()

    assert signed.status_code == 201, signed.text
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    parts = {c.get("resident_ref"): c for c in again.json()["contracts"]}
    assert parts[kept_ref] == signed.json()["contracts"][1]
    assert erased_ref not in parts and "Resident 8" not in again.text
    assert found_in(dump(settings), ["Resident 8", "Resident 9", api.identity(8), api.identity(9)]) == []
