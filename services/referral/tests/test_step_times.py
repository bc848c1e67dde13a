"""No step is stamped before the step it follows, whoever sets its time: the app's clock (`test_handlers.py`), or the
simulation's `X-Simulated-Time` (the simulation once accepted at 11:00 referrals issued at 14:00)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from referral.settings import ReferralSettings

Api = Any  # the `api` fixture (conftest.Api)
Clock = Any  # the `clock` fixture
PROBLEM = "application/problem+json"
ISSUED = "2026-04-01T14:00:00+08:00"


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> ReferralSettings:
    """The simulation's setting: its tokens may say what time it is."""
    settings: ReferralSettings = service_settings(ReferralSettings, database_pool_size=2, simulated_clock=True)
    return settings


def at(moment: str) -> dict[str, str]:
    return {"X-Simulated-Time": moment}


def simulated(api: Api, role: str, **claims: str) -> dict[str, str]:
    return api.as_(role, simulation=True, **claims)  # type: ignore[no-any-return]


def test_an_acceptance_stamped_before_the_referral_was_issued_is_refused(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))
    doctor = simulated(api, "family_doctor", sub="doc-1", team=team, institution="CHC-440106-01")
    hospital = simulated(api, "hospital", sub="H3-4401-desk", hospital="H3-4401")
    body = {"appointment_at": "2026-04-03T09:00:00+08:00", "department": "cardiology", "doctor": "Dr Wang"}
    issued = api.post("/referrals", _referral(api), doctor, **at(ISSUED))
    path = f"/referrals/{issued.json()['referral_id']}/accept"

    before = api.post(path, body, hospital, **at("2026-04-01T11:00:00+08:00"))
    after = api.post(path, body, hospital, **at("2026-04-01T16:00:00+08:00"))

    assert issued.status_code == 201, issued.text
    assert before.status_code == 422 and before.headers["content-type"] == PROBLEM
    problem = before.json()
    assert (problem["type"], problem["title"]) == ("/problems/step-before-previous-step", "Step before previous step")
    assert "2026-04-01T11:00:00+08:00" in problem["detail"] and ISSUED in problem["detail"]
    assert after.status_code == 200, after.text
    assert after.json()["timing"]["minutes_to_acceptance"] == 120


def _referral(api: Api) -> dict[str, Any]:
    return {
        "patient": {"identity_number": api.identity(1), "name": "Li Hua"},
        "hospital_id": "H3-4401",
        "department": "cardiology",
        "reason": "Uncontrolled hypertension",
        "clinical_summary": "BP 168/102.",
    }


def test_a_referral_recorded_before_the_rule_with_an_acceptance_before_its_issue_shows_no_wait() -> None:
    """Such referrals are still in stores (the simulation made them): their view says so."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from referral.application.views import timing_view

    issued = datetime.fromisoformat(ISSUED)
    old = SimpleNamespace(
        routing=SimpleNamespace(issued_at=issued),
        issued=SimpleNamespace(expires_at=issued + timedelta(days=7)),
        accepted=SimpleNamespace(accepted_at=issued - timedelta(hours=3), appointment_at=issued + timedelta(days=2)),
        completed=None,
    )
    timing = timing_view(old)  # type: ignore[arg-type]
    assert (timing["minutes_to_acceptance"], timing["times_out_of_order"]) == (None, True)
    assert timing["minutes_to_appointment"] == 48 * 60
