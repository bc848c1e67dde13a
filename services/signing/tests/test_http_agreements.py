"""Signing rules through HTTP on PostgreSQL: key populations, packages, terms, areas, agreements."""

from __future__ import annotations

from datetime import date
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)
SCHOOL = {"name": "Shipai Primary School", "kind": "school"}


def member(api: Api, serial: int, **extra: Any) -> dict[str, Any]:
    return {"resident": api.resident(serial), **extra}


def test_each_signing_rule_refuses_with_its_own_problem(api: Api) -> None:
    api.register_team("T1")
    man = api.resident(1) | {"key_populations": ["maternal"]}
    cases = {
        "invalid-term": api.post("/contracts", api.contract_body("T1", term_years=4)),
        "package-not-for-resident": api.post("/contracts", api.contract_body("T1", packages=["basic", "diabetes"])),
        "key-population-mismatch": api.post("/contracts", api.contract_body("T1") | {"resident": man}),
        "invalid-combined-signing": api.post(
            "/contracts",
            api.contract_body("T1", combined_signing={"secondary_hospital_id": "H", "tertiary_hospital_id": "H"}),
        ),
        "not-a-team-doctor": api.post("/contracts", api.contract_body("T1", doctor_id="nurse-1")),
        "package-not-offered": api.post("/contracts", api.contract_body("T1", starts_on="2019-12-31")),
        "invalid-identity-number": api.post(
            "/contracts", api.contract_body("T1") | {"resident": api.resident(1) | {"identity_number": "4401061980"}}
        ),
    }
    for code, response in cases.items():
        assert response.status_code == 422, (code, response.text)
        assert response.json()["type"] == f"/problems/{code}"


def test_a_resident_of_another_area_signs_with_age_tags_derived_and_1_1_1(api: Api) -> None:
    api.register_team("T1")
    elderly = {"identity_number": api.identity(5, born=date(1950, 5, 1)), "name": "Wang", "area_code": "110105"}
    combined = {"secondary_hospital_id": "H2-440106", "tertiary_hospital_id": "H3-4401"}

    signed = api.sign(
        "T1",
        resident=elderly | {"key_populations": ["hypertension"], "medical_assistance": True},
        packages=["basic", "elderly", "hypertension"],
        combined_signing=combined,
        term_years=3,
    )

    assert (signed["resident_area_code"], signed["area_code"]) == ("110105", "440106")
    assert signed["key_populations"] == ["elderly", "hypertension"]
    assert (signed["medical_assistance"], signed["combined_signing"], signed["ends_on"]) == (
        True,
        combined,
        "2029-02-28",
    )
    assert [p["code"] for p in signed["packages"]] == ["basic", "elderly", "hypertension"]


def test_a_family_signs_one_agreement_with_a_contract_each(api: Api) -> None:
    api.register_team("T1")
    child = {"identity_number": api.identity(2, born=date(2022, 6, 1)), "name": "Li Ming", "area_code": "440106"}
    body = {
        "kind": "family",
        "team_id": "T1",
        "doctor_id": "doc-1",
        "packages": ["basic"],
        "members": [member(api, 1), {"resident": child, "packages": ["basic", "maternal_child"]}],
    }

    made = api.post("/agreements", body)
    read = api.get(made.headers["Location"])

    assert made.status_code == 201, made.text
    agreement = made.json()
    assert read.json() == agreement and read.headers["ETag"] == '"1"'
    contracts = agreement["contracts"]
    assert {c["agreement_id"] for c in contracts} == {agreement["agreement_id"]}
    assert [c["agreement_kind"] for c in contracts] == ["family", "family"]
    assert contracts[1]["key_populations"] == ["children"]
    assert api.get("/teams/T1").json()["places_taken"] == 2


def test_an_agreement_signs_every_member_or_none(api: Api) -> None:
    api.register_team("T1", cap=3)
    api.sign("T1", serial=2)
    body = {"kind": "family", "team_id": "T1", "packages": ["basic"], "members": [member(api, 1), member(api, 2)]}

    refused = api.post("/agreements", body)

    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/already-contracted")
    assert refused.json()["detail"].startswith("member 2:")
    assert api.get("/teams/T1").json()["places_taken"] == 1
    assert api.post("/contracts", api.contract_body("T1", serial=1)).status_code == 201  # member 1 was never signed


def test_a_community_agreement_fills_the_team_or_signs_nobody(api: Api) -> None:
    api.register_team("T1", cap=3)
    pupils = [member(api, i) for i in range(1, 5)]
    community = {"kind": "community", "community": SCHOOL, "team_id": "T1", "packages": ["basic"]}

    too_many = api.post("/agreements", community | {"members": pupils})
    made = api.post("/agreements", community | {"members": pupils[:3]})

    assert (too_many.status_code, too_many.json()["type"]) == (409, "/problems/team-full")
    assert made.status_code == 201 and made.json()["community"] == SCHOOL
    assert api.get("/teams/T1").json()["places_taken"] == 3


def test_agreements_refuse_malformed_parties(api: Api) -> None:
    api.register_team("T1")
    family = {"kind": "family", "team_id": "T1", "packages": ["basic"]}

    twice = api.post("/agreements", family | {"members": [member(api, 1), member(api, 1)]})
    nameless = api.post("/agreements", family | {"kind": "community", "members": [member(api, 1), member(api, 2)]})
    bad_number = api.post(
        "/agreements",
        family
        | {"members": [member(api, 1), {"resident": api.resident(2) | {"identity_number": "440106198001010010"}}]},
    )

    assert twice.json()["type"] == "/problems/duplicate-member"
    assert nameless.json()["type"] == "/problems/invalid-agreement"
    assert bad_number.json()["type"] == "/problems/invalid-identity-number"
    assert bad_number.json()["detail"].startswith("member 2:")


def test_agreements_are_read_by_their_parties_and_team_only(api: Api) -> None:
    api.register_team("T1")
    body = {"kind": "family", "team_id": "T1", "packages": ["basic"], "members": [member(api, 1), member(api, 2)]}
    made = api.post("/agreements", body).json()
    path, ref = f"/agreements/{made['agreement_id']}", made["contracts"][1]["resident_ref"]

    assert api.get(path, who=api.as_("resident", resident=ref)).status_code == 200
    assert api.get(path, who=api.as_("family_doctor", team="T1")).status_code == 200
    assert api.get(path, who=api.as_("family_doctor", team="T2")).status_code == 404  # as if it did not exist
    assert api.get("/agreements/nope").json()["type"] == "/problems/agreement-not-found"
    online = api.post(
        "/agreements", body | {"members": [member(api, 3), member(api, 4)]}, who=api.as_("resident", resident=ref)
    )
    assert online.status_code == 403  # a resident signs an agreement they are a party to
