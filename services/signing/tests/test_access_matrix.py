"""Signing's authorization matrix: every route × every caller, each scoped to the other party
(team B's doctor, resident 2, an official of another area, another hospital and bureau) and
aimed at team A's resources. See `shared.testing.matrix`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.principal import ROLES
from shared.testing import matrix
from shared.testing.matrix import ALLOWED, SCOPED, Rules, World, callers, forged_token, only

Api = Any  # the `api` fixture (conftest.Api)
ADMIN = only(admin=ALLOWED)
DIRECTORY = only(**dict.fromkeys(ROLES, ALLOWED))

RULES: Rules = {
    "POST /teams": ADMIN,
    # Teams and the catalogue are the directory residents choose from: any signed-in caller reads them.
    "GET /teams/{team_id}": DIRECTORY,
    "GET /packages": DIRECTORY,
    "POST /teams/{team_id}/members": ADMIN,
    "DELETE /teams/{team_id}/members/{member_id}": ADMIN,
    "PUT /teams/{team_id}/resident-cap": ADMIN,
    "PUT /teams/{team_id}/members/{member_id}/resident-cap": ADMIN,
    "POST /contracts": ADMIN,
    "GET /contracts/{contract_id}": ADMIN,
    "GET /contracts": only(resident=SCOPED, family_doctor=SCOPED, official=SCOPED, admin=ALLOWED),
    "POST /agreements": ADMIN,
    "GET /agreements/{agreement_id}": ADMIN,
    "POST /contracts/{contract_id}/renewal": ADMIN,
    "POST /contracts/{contract_id}/switch": ADMIN,
    "POST /contracts/{contract_id}/termination": ADMIN,
    "POST /contracts/expiries": ADMIN,
    "POST /contracts/{contract_id}/reinstatement": ADMIN,  # and an official of the contract's own area
    "POST /residents/{resident_ref}/erasure": ADMIN,  # and the resident themself
}
OTHER = {  # the other party: team B (in another city), resident 2, hospital H2, bureau B2
    "resident": {},
    "family_doctor": {"sub": "doc-1", "team": "TB", "institution": "CHC-B"},
    "hospital": {"hospital": "H2"},
    "insurance_bureau": {"bureau": "MIB-440304"},
    "official": {"area": "440304"},
}


@pytest.fixture
def world(api: Api, mint_token: Any, tmp_path: Path) -> World:
    api.register_team("TA", institution_id="CHC-A")
    api.register_team("TB", institution_id="CHC-B", area_code="440304")
    victim = api.sign("TA", serial=1)
    own = api.sign("TB", serial=2, resident=api.resident(2, area_code="440304"))
    family: dict[str, Any] = {"kind": "family", "team_id": "TA", "packages": ["basic"]}
    family["members"] = [{"resident": api.resident(3)}, {"resident": api.resident(4)}]
    agreement = api.post("/agreements", family).json()
    api.search()  # the contract index has caught up
    claims = OTHER | {"resident": {"resident": own["resident_ref"]}}
    member_refs = {c["resident_ref"] for c in agreement["contracts"]}
    return World(
        client=api.client,
        callers=callers(mint_token, forged_token(tmp_path), claims),
        params={
            "team_id": "TA",
            "member_id": "nurse-1",
            "contract_id": victim["contract_id"],
            "agreement_id": agreement["agreement_id"],
            "resident_ref": victim["resident_ref"],
        },
        unknown={
            "contract_id": str(uuid.uuid4()),
            "agreement_id": str(uuid.uuid4()),
            "resident_ref": "r_" + "a" * 26,
        },
        secrets={victim["contract_id"], victim["resident_ref"], "Resident 1", "Resident 3", api.identity(1)}
        | {agreement["agreement_id"], *member_refs},
        bodies={
            "POST /teams": api.team_body("TC"),
            "POST /teams/{team_id}/members": {"member_id": "doc-9", "role": "family_doctor"},
            "PUT /teams/{team_id}/resident-cap": {"resident_cap": 10},
            "PUT /teams/{team_id}/members/{member_id}/resident-cap": {"resident_cap": 10},
            "POST /contracts": api.contract_body("TA", 5),
            "POST /agreements": family | {"members": [{"resident": api.resident(6)}, {"resident": api.resident(7)}]},
            "POST /contracts/{contract_id}/renewal": {},
            "POST /contracts/{contract_id}/switch": {"team_id": "TB"},
            "POST /contracts/{contract_id}/termination": {"reason": "resident_request"},
            "POST /contracts/expiries": {"as_of": "2026-03-01"},
            "POST /contracts/{contract_id}/reinstatement": {"reason": "operator_error"},
            "POST /residents/{resident_ref}/erasure": {"reason": "resident_request"},
        },
        probes={
            "GET /contracts": [
                {"team_id": "TA"},
                {"resident_ref": victim["resident_ref"]},
                {"agreement_id": agreement["agreement_id"]},
                {"area": "440106"},
                {"area": "44"},
            ]
        },
    )


def test_every_route_has_its_expectations(api: Api) -> None:
    assert matrix.unclassified(api.client, RULES) == []


def test_no_caller_reaches_another_partys_contracts(world: World, record_property: Any) -> None:
    cases, failures = matrix.run(world, RULES)

    record_property("matrix_cases", cases)
    print(f"signing: {cases} route × caller cases")
    assert failures == [], "\n".join(failures)
