"""Referral's authorization matrix: every route × every caller, each scoped to the other party
(team B's doctor, resident 2, hospital H2, another bureau and area) and aimed at team A's
referral of resident 1 to hospital H1. See `shared.testing.matrix`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.testing import matrix
from shared.testing.matrix import ALLOWED, REFUSED, Rules, World, callers, forged_token, only

Api = Any  # the `api` fixture (conftest.Api)
ADMIN = only(admin=ALLOWED)
HOSPITAL_STEP = only(admin=REFUSED)  # the administrator reads it, but only its hospital answers
TEAM_STEP = only(admin=REFUSED)  # … and only the referring team follows up

RULES: Rules = {
    # Team B's doctor refers for their own team only: resident 1 is not theirs (422, as for nobody).
    "POST /referrals": only(family_doctor=REFUSED, admin=REFUSED),
    "POST /referrals/{referral_id}/accept": HOSPITAL_STEP,
    "POST /referrals/{referral_id}/decline": HOSPITAL_STEP,
    "POST /referrals/{referral_id}/complete": HOSPITAL_STEP,
    "POST /referrals/{referral_id}/down-refer": HOSPITAL_STEP,
    "POST /referrals/{referral_id}/acknowledge-down-referral": TEAM_STEP,
    "POST /referrals/{referral_id}/cancel": TEAM_STEP,
    "POST /referrals/expire": ADMIN,
    "GET /referrals/{referral_id}": ADMIN,
    "GET /referrals/{referral_id}/fhir": ADMIN,
    "GET /hospitals/{hospital_id}/referrals": ADMIN,
    "GET /teams/{team_id}/referrals": ADMIN,
    "GET /hospitals/{hospital_id}/feed": ADMIN,
}
VICTIM = {"identity_number": "", "name": "Zhang Wei", "phone": "13900000001"}
REASON = "Chest pain on exertion for three weeks"


@pytest.fixture
def world(api: Api, mint_token: Any, tmp_path: Path) -> World:
    api.contract(api.signed(1, "TA", hospitals=("H1", "H9")), api.signed(2, "TB", hospitals=("H2", "H9")))
    victim = api.issued("TA", 1, "H1", patient=VICTIM | {"identity_number": api.identity(1)}, reason=REASON)
    api.issued("TB", 2, "H2")
    api.catch_up()
    claims = {
        "resident": {"resident": api.ref(2)},
        "family_doctor": {"sub": "doc-1", "team": "TB", "institution": "CHC-B"},
        "hospital": {"sub": "H2-desk", "hospital": "H2"},
        "insurance_bureau": {"bureau": "MIB-2"},
        "official": {"area": "440304"},
    }
    appointment = (api.start + timedelta(hours=48)).isoformat()
    reason = {"reason": "No longer needed"}
    return World(
        client=api.client,
        callers=callers(mint_token, forged_token(tmp_path), claims),
        params={"referral_id": victim["referral_id"], "hospital_id": "H1", "team_id": "TA"},
        unknown={"referral_id": str(uuid.uuid4())},
        secrets={victim["referral_id"], api.ref(1), api.identity(1), "Zhang Wei", "13900000001", REASON},
        bodies={
            "POST /referrals": {
                "patient": VICTIM | {"identity_number": api.identity(1)},
                "hospital_id": "H1",
                "department": "cardiology",
                "reason": "Follow-up",
                "clinical_summary": "BP 150/95",
            },
            "POST /referrals/{referral_id}/accept": {
                "appointment_at": appointment,
                "department": "cardiology",
                "doctor": "Dr Wang",
            },
            "POST /referrals/{referral_id}/decline": reason,
            "POST /referrals/{referral_id}/complete": {"summary_kind": "consultation", "summary": "Stable angina"},
            "POST /referrals/{referral_id}/down-refer": {"purpose": "follow_up", "instructions": "Weekly BP"},
            "POST /referrals/{referral_id}/cancel": reason,
            "POST /referrals/expire": {"as_of": api.start.isoformat()},
        },
    )


def test_every_route_has_its_expectations(api: Api) -> None:
    assert matrix.unclassified(api.client, RULES) == []


def test_no_caller_reaches_another_partys_referrals(world: World, record_property: Any) -> None:
    cases, failures = matrix.run(world, RULES)

    record_property("matrix_cases", cases)
    print(f"referral: {cases} route × caller cases")
    assert failures == [], "\n".join(failures)
