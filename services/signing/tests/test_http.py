"""The signing API through the real HTTP pipeline, on PostgreSQL."""

from __future__ import annotations

from typing import Any

Api = Any  # the `api` fixture (conftest.Api)


def test_a_signed_contract_reads_back_with_its_version_as_etag(api: Api) -> None:
    api.register_team("T1")

    signed = api.post(
        "/contracts",
        api.contract_body(
            "T1", packages=["basic", "hypertension"], resident=api.resident(1, key_populations=["hypertension"])
        ),
    )
    read = api.client.get(signed.headers["Location"], headers=api.admin)

    assert signed.status_code == 201, signed.text
    assert read.status_code == 200
    assert read.json() == signed.json()
    assert read.headers["ETag"] == '"1"'
    body = read.json()
    assert [p["annual_fee_fen"] for p in body["packages"]] == [12000, 6000]
    assert body["resident_ref"].startswith("r_") and "identity_number" not in body
    assert (body["starts_on"], body["ends_on"], body["status"]) == ("2026-03-01", "2027-02-28", "active")


def test_repeating_a_command_with_its_key_replays_it(api: Api) -> None:
    api.register_team("T1")
    first = api.post("/contracts", api.contract_body("T1"), key="sign-once")
    again = api.post("/contracts", api.contract_body("T1"), key="sign-once")
    other_body = api.post("/contracts", api.contract_body("T1", serial=2), key="sign-once")

    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422
    assert other_body.json()["type"] == "/problems/idempotency-key-reused"
    team = api.client.get("/teams/T1", headers=api.admin).json()
    assert team["places_taken"] == 1


def test_bad_requests_get_problem_details_never_a_500(api: Api) -> None:
    api.register_team("T1")
    headers = {**api.admin, "Idempotency-Key": "k", "Content-Type": "application/json"}

    cases = {
        "malformed-json": api.client.post("/contracts", content=b"{oops", headers=headers),
        "unknown-team": api.post("/contracts", api.contract_body("NO-SUCH-TEAM")),
        "invalid-request": api.post("/contracts", {"team_id": "T1"}),
        "invalid-identity-number": api.post(
            "/contracts",
            api.contract_body("T1")
            | {"resident": {"identity_number": "440106198001010010", "name": "X", "area_code": "440106"}},
        ),
        "package-not-offered": api.post("/contracts", api.contract_body("T1", packages=["dental"])),
        "contract-not-found": api.client.get("/contracts/nope", headers=api.admin),
    }

    for code, response in cases.items():
        assert 400 <= response.status_code < 500, (code, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == f"/problems/{code}", response.json()
    assert cases["malformed-json"].status_code == 400
    assert api.client.post("/contracts", json={}, headers=api.admin).status_code == 422  # no key


def test_callers_are_authenticated_and_kept_to_their_scope(api: Api) -> None:
    api.register_team("T1")
    other_doctor = api.as_("family_doctor", team="T2")
    own_doctor = api.as_("family_doctor", team="T1")

    missing = api.client.post("/contracts", json=api.contract_body("T1"), headers={"Idempotency-Key": "k"})
    forged = api.post("/contracts", api.contract_body("T1"), who={"Authorization": "Bearer not.a.jwt"})
    wrong_team = api.post("/contracts", api.contract_body("T1"), who=other_doctor)
    signed = api.post("/contracts", api.contract_body("T1"), who=own_doctor)
    resident_reads_other = api.client.get(signed.headers["Location"], headers=api.as_("resident", resident="r_x"))

    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert forged.status_code == 401
    assert wrong_team.status_code == 403
    assert signed.status_code == 201
    assert resident_reads_other.status_code == 404  # as if it did not exist
    assert api.post("/teams", {}, who=own_doctor).status_code in (403, 422)


def test_responses_match_their_documented_models(api: Api) -> None:
    from signing.adapters.http.schemas.contracts import AgreementPublic, ContractPublic
    from signing.adapters.http.schemas.lifecycle import ContractPage, ExpiryReport
    from signing.adapters.http.schemas.teams import PackageOffer, TeamPublic

    team = api.register_team("T1").json()
    combined = {"secondary_hospital_id": "H2", "tertiary_hospital_id": "H3"}
    contract = api.sign("T1", serial=1, combined_signing=combined)
    members = [{"resident": api.resident(2)}, {"resident": api.resident(3)}]
    agreement = api.post("/agreements", {"kind": "family", "team_id": "T1", "packages": ["basic"], "members": members})
    page = api.search(team_id="T1").json()
    expiry = api.post("/contracts/expiries", {"as_of": "2026-03-01"}).json()

    TeamPublic.model_validate(team)
    ContractPublic.model_validate(contract)
    AgreementPublic.model_validate(agreement.json())
    assert len(ContractPage.model_validate(page).items) == 3
    ExpiryReport.model_validate(expiry)
    [PackageOffer.model_validate(p) for p in api.get("/packages").json()]
