"""The referral API under Schemathesis: every operation, the referring team's doctor and the
receiving hospital, a contracted resident and an issued referral to aim at."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from referral.adapters.consumers import contracts_from_signing
from referral.application.streams import ERASURES
from referral.bootstrap import create_app, store_for
from referral.settings import ReferralSettings
from shared.commands import CommandProcessor
from shared.erasure import Erasures
from shared.testing.fuzz import bearer, fuzzing

from .conftest import NOW, Clock, identity, ref, signed


def test_no_request_is_a_server_error_and_every_answer_is_documented(
    settings: ReferralSettings, mint_token: Callable[..., str], fuzz_report: Callable[..., None]
) -> None:
    store = store_for(settings)
    processor = CommandProcessor(store)
    contracts_from_signing(processor, Erasures(store, processor, ERASURES, lambda: NOW)).handle([signed(1, "FZ1")])
    store.close()
    doctor = bearer(mint_token("family_doctor", sub="doc-1", team="FZ1", institution="CHC-1"))
    hospital = bearer(mint_token("hospital", sub="H3-desk", hospital="H3-4401"))
    patient = {"identity_number": identity(1), "name": "Li Hua", "phone": "13800138000"}
    body = {
        "patient": patient,
        "hospital_id": "H3-4401",
        "department": "cardiology",
        "priority": "routine",
        "reason": "Uncontrolled hypertension",
        "clinical_summary": "BP 168/102.",
    }
    with fuzzing(create_app(settings, clock=Clock())) as fuzzer:
        issued = fuzzer.client.post("/referrals", json=body, headers=doctor | {"Idempotency-Key": str(uuid.uuid4())})
        assert issued.status_code == 201, issued.text
        known = {
            "team_id": "FZ1",
            "hospital_id": "H3-4401",
            "referral_id": issued.json()["referral_id"],
            "resident_ref": ref(1),
        }
        tally = fuzzer.run([doctor, hospital], known)
    fuzz_report("referral", tally)
    assert tally.server_errors == 0 and not tally.failures, tally.verdict()
