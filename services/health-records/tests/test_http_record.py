"""The record through the real HTTP pipeline, on PostgreSQL: opened by a contract, amended by
the team, every change kept."""

from __future__ import annotations

from typing import Any

Api = Any  # the `api` fixture (conftest.Api)
IDENTITY = "11010519491231002X"  # conftest.IDENTITY: the resident whose ref is REF
BASIC = {
    "name": "Li Hua",
    "sex": "female",
    "birth_date": "1949-12-31",
    "identity_number": IDENTITY.lower(),
    "phone": "13800138000",
    "address": "12 Shipai Road",
}


def test_a_signed_contract_opens_a_record_the_team_reads_with_its_etag(api: Api) -> None:
    read = api.get("/record")

    assert read.status_code == 200, read.text
    assert read.headers["ETag"] == '"1"'
    body = read.json()
    assert body["key_populations"] == ["elderly", "hypertension"]
    assert (body["basic_information"], body["conditions"], body["latest_measurements"]) == (None, [], [])


def test_the_team_amends_the_record_and_its_history_keeps_every_change(api: Api) -> None:
    steps = [
        api.send("PUT", "/record/basic-information", BASIC),
        api.send("POST", "/record/conditions", {"code": "I10", "name": "Hypertension", "diagnosed_on": "2019-03-01"}),
        api.send("POST", "/record/allergies", {"substance": "penicillin", "reaction": "rash", "severity": "severe"}),
        api.send("POST", "/record/family-history", {"relative": "father", "code": "E11", "name": "Type 2 diabetes"}),
        api.send(
            "POST",
            "/record/recent-information",
            {"kind": "hospitalisation", "summary": "pneumonia, 5 days", "occurred_on": "2026-03-01"},
        ),
        api.send("POST", "/record/conditions/I10/resolution", {"resolved_on": "2026-04-01"}),
    ]

    assert [s.status_code for s in steps] == [200, 201, 201, 201, 201, 200], [s.text for s in steps]
    record = api.get("/record").json()
    assert record["version"] == 7 and record["basic_information"]["identity_number"] == IDENTITY
    assert record["conditions"] == [
        {"code": "I10", "name": "Hypertension", "diagnosed_on": "2019-03-01", "resolved_on": "2026-04-01"}
    ]
    history = api.get("/record/history").json()
    assert [c["change"] for c in history["changes"]] == [
        "RecordOpened",
        "BasicInformationRecorded",
        "ConditionRecorded",
        "AllergyRecorded",
        "FamilyHistoryRecorded",
        "RecentInformationRecorded",
        "ConditionResolved",
    ]
    assert {c["recorded_by"] for c in history["changes"][1:]} == {"doc-1"}


def test_an_update_from_a_stale_read_fails_with_412(api: Api) -> None:
    etag = api.get("/record").headers["ETag"]
    first = api.send("PUT", "/record/basic-information", BASIC, **{"If-Match": etag})
    stale = api.send("PUT", "/record/basic-information", BASIC | {"phone": "13900139000"}, **{"If-Match": etag})
    bad = api.send("PUT", "/record/basic-information", BASIC, **{"If-Match": "yesterday"})

    assert (first.status_code, first.headers["ETag"]) == (200, '"2"')
    assert (stale.status_code, stale.json()["type"], stale.json()["current_version"]) == (
        412,
        "/problems/precondition-failed",
        2,
    )
    assert bad.status_code == 400


def test_repeating_a_command_with_its_key_replays_it(api: Api) -> None:
    condition = {"code": "I10", "name": "Hypertension", "diagnosed_on": "2019-03-01"}
    first = api.send("POST", "/record/conditions", condition, key="once")
    again = api.send("POST", "/record/conditions", condition, key="once")

    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert api.get("/record").json()["version"] == 2


def test_bad_requests_and_refusals_are_problem_details_never_a_500(api: Api) -> None:
    condition = {"code": "I10", "name": "Hypertension", "diagnosed_on": "2019-03-01"}
    api.send("POST", "/record/conditions", condition)
    cases = {
        "malformed-json": api.client.post(
            f"/residents/{api.world.ref}/record/conditions",
            content=b"{oops",
            headers={**api.doctor, "Idempotency-Key": "k", "Content-Type": "application/json"},
        ),
        "invalid-request": api.send("POST", "/record/allergies", {"substance": "x"}),
        "invalid-icd10-code": api.send("POST", "/record/conditions", condition | {"code": "high-bp"}),
        "already-recorded": api.send("POST", "/record/conditions", condition),
        "date-in-future": api.send(
            "POST", "/record/conditions", condition | {"code": "E11", "diagnosed_on": "2026-04-11"}
        ),
        "condition-not-active": api.send("POST", "/record/conditions/E11/resolution", {}),
        "identity-mismatch": api.send(
            "PUT", "/record/basic-information", BASIC | {"identity_number": "440106198001010014"}
        ),
        "record-not-found": api.get("/record", who=api.as_("resident", resident="r_" + "b" * 26), ref="r_" + "b" * 26),
    }

    for code, response in cases.items():
        assert 400 <= response.status_code < 500, (code, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == f"/problems/{code}", response.json()
    assert [cases[c].status_code for c in ("already-recorded", "condition-not-active", "record-not-found")] == [
        409,
        409,
        404,
    ]
    missing_key = api.client.post(f"/residents/{api.world.ref}/record/allergies", json={}, headers=api.doctor)
    assert missing_key.status_code == 422
