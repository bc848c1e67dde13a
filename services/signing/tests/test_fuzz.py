"""The signing API under Schemathesis: every operation, an administrator and a team's doctor,
a registered team and a signed contract to aim at."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from shared.testing.fuzz import bearer, fuzzing
from signing.bootstrap import create_app
from signing.settings import SigningSettings

from .conftest import NOW, Clock, resident, team_body


def test_no_request_is_a_server_error_and_every_answer_is_documented(
    settings: SigningSettings, mint_token: Callable[..., str], fuzz_report: Callable[..., None]
) -> None:
    app = create_app(settings, clock=Clock(NOW))
    with fuzzing(app) as fuzzer:
        post = fuzzer.client.post
        admin = bearer(mint_token("admin"))
        key = {"Idempotency-Key": str(uuid.uuid4())}
        assert post("/teams", json=team_body("FZ1"), headers=admin | key).status_code == 201
        key = {"Idempotency-Key": str(uuid.uuid4())}
        signed = post(
            "/contracts", json={"resident": resident(1), "team_id": "FZ1", "packages": ["basic"]}, headers=admin | key
        )
        assert signed.status_code == 201, signed.text
        doctor = bearer(mint_token("family_doctor", sub="doc-1", team="FZ1", institution="CHC-1"))
        known = {"team_id": "FZ1", "contract_id": signed.json()["contract_id"], "area_code": "440106", "area": "440106"}
        tally = fuzzer.run([admin, doctor], known)
    fuzz_report("signing", tally)
    assert tally.server_errors == 0 and not tally.failures, tally.verdict()
