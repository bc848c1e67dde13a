"""The health-records API under Schemathesis: every operation, the resident's family doctor and
the resident, with a signed contract and a visit to aim at."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from health_records.bootstrap import create_app
from health_records.settings import HealthRecordsSettings
from shared.testing.fuzz import bearer, fuzzing

from .conftest import NOW, REF


def test_no_request_is_a_server_error_and_every_answer_is_documented(
    settings: HealthRecordsSettings,
    seeded: Callable[..., Any],
    mint_token: Callable[..., str],
    fuzz_report: Callable[..., None],
) -> None:
    world = seeded()
    visit = world.visit(fulfils=["hypertension_follow_up"], occurred="2026-04-09T10:00:00+08:00")
    device = world.link_device()
    doctor = bearer(mint_token("family_doctor", sub="doc-1", team="T1", institution="CHC-1"))
    resident = bearer(mint_token("resident", resident=REF))
    app = create_app(settings, clock=lambda: NOW)
    with fuzzing(app) as fuzzer:
        known = {"resident_ref": REF, "visit_id": visit["visit_id"], "team_id": "T1", "device_id": device["device_id"]}
        tally = fuzzer.run([doctor, resident], known)
    fuzz_report("health-records", tally)
    assert tally.server_errors == 0 and not tally.failures, tally.verdict()
