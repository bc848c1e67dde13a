"""Billing's authorization matrix: every route × every caller, each scoped to the other party
(institution B's doctor, bureau B, an official of area B, resident B, another hospital) and
aimed at contract A of institution A, area A and bureau A. See `shared.testing.matrix`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from billing.bootstrap import bureau_feed, engine_for
from shared.contracts import topics
from shared.principal import ROLES
from shared.testing import matrix
from shared.testing.matrix import ALLOWED, REFUSED, SCOPED, Rules, World, callers, forged_token, only

Billing = Any  # the `billing` fixture (conftest.Billing)
ADMIN = only(admin=ALLOWED)
EVERYONE = only(**dict.fromkeys(ROLES, SCOPED))  # rules and how far periods are closed: nobody's figures
VIEW = only(insurance_bureau=SCOPED, official=SCOPED, family_doctor=SCOPED, admin=ALLOWED)

RULES: Rules = {
    "GET /fee-rules": EVERYONE,
    "GET /fee-rules/in-force": EVERYONE,
    "GET /settlement-periods": EVERYONE,
    "POST /settlement-periods/close": ADMIN,
    "POST /settlement-periods/{period}/reopening": ADMIN,
    "GET /contracts/{contract_id}/account": ADMIN,
    # With no scope asked, each sees its own: a bureau its settlements, an official the area's.
    "GET /settlement-view/figures": VIEW,
    "GET /settlement-view/charges": VIEW,
    "GET /settlement-view/reconciliation": VIEW,
    "GET /bureaus/{bureau_id}/feed": ADMIN,
    "POST /capitation-years/{year}/reconciliation": ADMIN,
    "POST /capitation-years/{year}/advances/{month}": ADMIN,
    "GET /capitation-years/{year}/areas": ADMIN,
    # Each sees its own reconciliations (none of A's); A's residents are a 404 to all but the admin.
    "GET /capitation-years/{year}/reconciliations": VIEW,
    "GET /capitation-years/{year}/{subject_kind}/{subject_id}/residents": ADMIN,
    # An official of area B may ask, but no team of theirs is appraised: 409, nothing recorded.
    "POST /performance-pay/{year}": only(official=REFUSED, admin=ALLOWED),
    # A member sees their own share (B's doctor is not A's member), officials their area's.
    "GET /performance-pay/{year}/members/{member_id}": ADMIN,
    "GET /performance-pay/{year}/teams/{team_id}": ADMIN,
    # Each team's pool: an official of B sees none of A's, a doctor none (their own share is elsewhere).
    "GET /performance-pay/{year}/teams": only(official=SCOPED, family_doctor=SCOPED, admin=ALLOWED),
}
A = {"institution_id": "CHC-A", "area_code": "440106", "insurance_bureau_id": "MIB-A", "team_id": "T-A"}
VIEWS = ["GET /settlement-view/figures", "GET /settlement-view/charges", "GET /settlement-view/reconciliation"]
ASKING_FOR_A = [{"bureau_id": "MIB-A"}, {"institution_id": "CHC-A"}, {"area_code": "440106"}, {"area_code": "44"}]
B = {"institution_id": "CHC-B", "area_code": "440304", "insurance_bureau_id": "MIB-B", "team_id": "T-B"}


@pytest.fixture
def world(billing: Billing, mint_token: Any, tmp_path: Path) -> World:
    victim, own = str(uuid.uuid4()), str(uuid.uuid4())
    last_year = {"starts_on": "2025-01-01", "ends_on": "2025-12-31"}
    billing.deliver(billing.signed(victim, **A), billing.signed(own, **B))
    billing.deliver(billing.signed(f"{victim}-2025", **A, **last_year), billing.signed(f"{own}-2025", **B, **last_year))
    assert billing.close("2026-01", "2026-02-01").status_code == 200
    assert billing.reconcile(2025).status_code == 200
    _performance_pay(billing)
    billing.build_view()
    engine = engine_for(billing.settings)
    bureau_feed(billing.store, engine).catch_up()
    engine.dispose()
    claims = {
        "resident": {"resident": billing.resident(own)},
        "family_doctor": {"team": "T-B", "institution": "CHC-B"},
        "hospital": {"hospital": "H2"},
        "insurance_bureau": {"bureau": "MIB-B"},
        "official": {"area": "440304"},
    }
    return World(
        client=billing.client,
        callers=callers(mint_token, forged_token(tmp_path), claims),
        params={
            "contract_id": victim,
            "bureau_id": "MIB-A",
            "period": "2026-01",
            "year": "2025",
            "month": "12",
            "subject_kind": "team",
            "subject_id": "T-A",
            "team_id": "T-A",
            "member_id": "M-A",
        },
        unknown={"contract_id": str(uuid.uuid4()), "subject_id": "T-nobody", "team_id": "T-nobody", "member_id": "M-0"},
        secrets={victim, billing.resident(victim), billing.resident(f"{victim}-2025"), "CHC-A", "MIB-A", "T-A", "M-A"},
        bodies={
            "POST /settlement-periods/close": {"period": "2026-01", "as_of": "2026-02-01"},
            "POST /settlement-periods/{period}/reopening": {"reason": "operator_error"},
        },
        queries={"GET /fee-rules/in-force": {"area_code": "440304", "year": 2026}},
        probes={route: ASKING_FOR_A for route in VIEWS}
        | {"GET /capitation-years/{year}/reconciliations": [{"institution_id": "CHC-A"}, {"area_code": "440106"}]}
        | {"GET /performance-pay/{year}/teams": [{"area_code": "440106"}, {"area_code": "44"}]},
    )


def _performance_pay(billing: Billing) -> None:
    """Team A's 2025 pool distributed to its member M-A: what B's callers must not reach."""
    team = {k: A[k] for k in ("institution_id", "area_code", "team_id")}
    served = billing.event(
        "health_records.VisitCompleted.v1",
        **team,
        resident_ref=billing.resident("A-2025"),
        member_id="M-A",
        occurred_at="2025-03-01T10:00:00+08:00",
    )
    billing.deliver(served, topic=topics.HEALTH_SERVICES.name)
    result = {"result_id": "ar-2025-T-A", "period": "2025", "subject_kind": "team", "subject_id": "T-A"}
    where = {k: A[k] for k in ("institution_id", "area_code")}
    billing.deliver(billing.event("appraisal.AppraisalPublished.v1", **result, score="90.00", **where))
    answer = billing.client.post("/performance-pay/2025", headers={**billing.admin, "Idempotency-Key": "pp-2025"})
    assert answer.status_code == 200, answer.text


def test_every_route_has_its_expectations(billing: Billing) -> None:
    assert matrix.unclassified(billing.client, RULES) == []


def test_no_caller_reaches_another_partys_money(world: World, record_property: Any) -> None:
    cases, failures = matrix.run(world, RULES)

    record_property("matrix_cases", cases)
    print(f"billing: {cases} route × caller cases")
    assert failures == [], "\n".join(failures)
