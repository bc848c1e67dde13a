"""The capitation jobs an area at a time (`?area_code=`), as the scheduler calls them a city at a
time: each does only its institutions, and the cities together do what one call for the
province does, figure for figure (the same inputs given to another billing, computed apart).

The province: Guangzhou (4401) has CHC-1 (T1: a, b elderly) and CHC-2 (T2: c); Shenzhen (4403)
CHC-3 (T3: d); CHC-4 has a team in each city (T4 in 440304: e; T5 in 440105: f), so it is
Guangzhou's, the least of its teams' areas, and done once. Contracts 2025-2026.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from billing.adapters.publishing import to_public
from shared.contracts import Envelope, topics

Billing = Any  # the `billing` fixture (conftest.Billing)
CLAIMS = topics.claims("b4401").name
TERM = {"starts_on": "2025-01-01", "ends_on": "2026-12-31", "insurance_bureau_id": "MIB-1"}
TEAMS = {  # team: institution, area
    "T1": ("CHC-1", "440106"),
    "T2": ("CHC-2", "440111"),
    "T3": ("CHC-3", "440305"),
    "T4": ("CHC-4", "440304"),
    "T5": ("CHC-4", "440105"),
}
RESIDENTS: dict[str, tuple[str, list[str]]] = {  # contract: team, key populations
    "a": ("T1", []),
    "b": ("T1", ["elderly"]),
    "c": ("T2", []),
    "d": ("T3", []),
    "e": ("T4", []),
    "f": ("T5", []),
}


def province(billing: Billing) -> tuple[list[Envelope], list[Envelope]]:
    signed = []
    for contract, (team, labels) in RESIDENTS.items():
        institution, area = TEAMS[team]
        at = {"team_id": team, "institution_id": institution, "area_code": area, "key_populations": labels}
        signed.append(billing.signed(contract, **at, **TERM))
    claims = [
        claim(billing, "a", "CHC-1", 60_000, "2025-03-01"),  # T1 over its budget of 50,400
        claim(billing, "d", "CHC-3", 5_000, "2025-06-01"),
        claim(billing, "e", "CHC-4", 7_000, "2025-09-01"),
    ]
    return signed, claims


def claim(billing: Billing, contract: str, institution: str, amount: int, on: str) -> Envelope:
    return billing.event(  # type: ignore[no-any-return]
        "claims.ClaimRecorded.v1",
        claim_id=f"clm-{uuid.uuid4()}",
        institution_id=institution,
        area_code="440106",
        resident_ref=billing.resident(contract),
        amount_fen=amount,
        service_date=on,
        kind="own_outpatient",
        referral_id=None,
    )


def deliver(inputs: tuple[list[Envelope], list[Envelope]], *billings: Billing) -> None:
    for billing in billings:
        billing.deliver(*inputs[0])
        billing.deliver(*inputs[1], topic=CLAIMS)


def rows(billing: Billing) -> dict[tuple[str, str], dict[str, Any]]:
    answer = billing.get("/capitation-years/2025/reconciliations")
    return {(r["subject_kind"], r["subject_id"]): r for r in answer.json()["rows"]}


def advance(billing: Billing, month: int, area: str | None = None, key: str | None = None) -> Any:
    headers = {**billing.admin, "Idempotency-Key": key or str(uuid.uuid4())}
    params = {} if area is None else {"area_code": area}
    return billing.client.post(f"/capitation-years/2026/advances/{month}", headers=headers, params=params)


def advanced(billing: Billing) -> dict[str, int]:
    """Each institution's advance as published, by institution."""
    published = [m for e in billing.store.read_log(0, 100_000) for m in to_public(e)]
    found = [m for m in published if m.topic == topics.SETTLEMENTS.name and b"CapitationAdvanced" in m.value]
    return {m.key: json.loads(m.value)["data"]["advance_fen"] for m in found}


def test_a_city_at_a_time_reconciles_only_its_institutions_and_the_cities_the_provinces_figures(
    billing: Billing, another_billing: Billing
) -> None:
    deliver(province(billing), billing, another_billing)

    shenzhen = billing.reconcile(2025, key="reconciliation-2025@4403", area="4403")
    only_shenzhen = rows(billing)
    guangzhou = billing.reconcile(2025, key="reconciliation-2025@4401", area="4401")
    whole = another_billing.reconcile(2025)

    assert shenzhen.status_code == 200, shenzhen.text
    assert shenzhen.json() == {"year": 2025, "reconciled": 2, "restated": 0, "subjects": 2, "institutions": 1}
    assert {r["institution_id"] for r in only_shenzhen.values()} == {"CHC-3"}
    assert guangzhou.json() == {"year": 2025, "reconciled": 7, "restated": 0, "subjects": 7, "institutions": 3}
    assert whole.json() == {"year": 2025, "reconciled": 9, "restated": 0, "subjects": 9, "institutions": 4}
    assert rows(billing) == rows(another_billing)
    assert rows(billing)[("team", "T1")]["figures"]["borne_fen"] > 0  # figures, not only zeros, compared
    again = billing.reconcile(2025)  # the whole province after its cities: nothing to restate
    assert again.json() == {"year": 2025, "reconciled": 0, "restated": 0, "subjects": 9, "institutions": 4}


def test_an_area_without_institutions_does_nothing_and_a_malformed_area_is_refused(billing: Billing) -> None:
    deliver(province(billing), billing)

    none = billing.reconcile(2025, area="4452")
    malformed = [billing.reconcile(2025, area="440"), advance(billing, 1, area="44O1")]

    assert none.json() == {"year": 2025, "reconciled": 0, "restated": 0, "subjects": 0, "institutions": 0}
    assert advance(billing, 1, area="4452").json() == {
        "year": 2026,
        "month": 1,
        "advanced": 0,
        "amount_fen": 0,
        "institutions": 0,
    }
    for answer in malformed:
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"] == "/problems/invalid-request"
    assert rows(billing) == {}


def test_a_month_advanced_a_city_at_a_time_is_the_provinces_advance_and_each_institution_keeps_its_key(
    billing: Billing, another_billing: Billing
) -> None:
    deliver(province(billing), billing, another_billing)

    shenzhen = advance(billing, 1, area="4403", key="advance-2026-01")
    guangzhou = advance(billing, 1, area="4401", key="advance-2026-01@4401")
    whole = advance(another_billing, 1)

    assert (shenzhen.json()["advanced"], shenzhen.json()["institutions"]) == (1, 1)
    assert (guangzhou.json()["advanced"], guangzhou.json()["institutions"]) == (3, 3)
    assert whole.json()["amount_fen"] == shenzhen.json()["amount_fen"] + guangzhou.json()["amount_fen"]
    assert advanced(billing) == advanced(another_billing) and set(advanced(billing)) == {f"CHC-{i}" for i in "1234"}
    # The province under Shenzhen's key: CHC-3 under `<key>/CHC-3` replays, the others are new to
    # that key and find themselves advanced already.
    province_again = advance(billing, 1, key="advance-2026-01")
    assert province_again.json() == shenzhen.json() | {"institutions": 4}
    assert "Idempotent-Replayed" not in province_again.headers


def test_the_years_areas_count_each_institution_once_at_its_own_area(billing: Billing) -> None:
    """CHC-5 (T6: g) shares CHC-1's area; CHC-4, with a team in each city, counts at 440105 only."""
    signed, claims = province(billing)
    at = {"team_id": "T6", "institution_id": "CHC-5", "area_code": "440106", "key_populations": []}
    deliver(([*signed, billing.signed("g", **at, **TERM)], claims), billing)

    answer = billing.get("/capitation-years/2025/areas")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "year": 2025,
        "areas": [
            {"area_code": "440105", "institutions": 1},
            {"area_code": "440106", "institutions": 2},
            {"area_code": "440111", "institutions": 1},
            {"area_code": "440305", "institutions": 1},
        ],
    }
    assert sum(a["institutions"] for a in answer.json()["areas"]) == billing.reconcile(2025).json()["institutions"]
    assert billing.get("/capitation-years/2024/areas").json() == {"year": 2024, "areas": []}
    refused = billing.get("/capitation-years/2101/areas")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
