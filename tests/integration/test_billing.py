"""Billing end to end: contracts signed (and one terminated) over HTTP with the real signing
service, charged (and refunded) by billing from the contracts stream, a period closed, and a
Kafka consumer acting as one insurance bureau receiving its own FeeSettled events, whose
totals match the settlement view.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from shared.contracts import topics
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

IDENTITIES = [with_check_digit(f"44010619{60 + i}0202{i:03d}") for i in range(4)]
PATIENT = 180  # seconds: five suites share two cores


def test_a_bureau_receives_its_own_settlements_and_they_match_the_view(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    small = {"DATABASE_POOL_SIZE": "2"}  # the test server's connections are shared with other suites
    signing = platform.start("serve", "signing", DATABASE_SCHEMA=f"signing_b{run_id}", **small)
    platform.start("relay", "signing", DATABASE_SCHEMA=f"signing_b{run_id}", **small)
    billing_settings = {
        "DATABASE_SCHEMA": f"billing_{run_id}",
        "CONSUMER_GROUP": f"billing.in-{run_id}",
        "ROUTER_CONSUMER_GROUP": f"billing.router-{run_id}",
        "VIEW_CONSUMER_GROUP": f"billing.view-{run_id}",
        **small,
    }
    billing = platform.start("serve", "billing", **billing_settings)
    platform.start("relay", "billing", **billing_settings)
    platform.start("project", "billing", **billing_settings)
    institution, bureau, other = f"CHC-{run_id}", f"MIB-{run_id}", f"MIB-{run_id}-x"
    assert platform.broker is not None
    as_bureau_on_kafka = platform.broker.onboard("bureau", bureau)  # as provincial IT onboards a bureau
    platform.broker.onboard("bureau", other)
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    as_bureau = {"Authorization": f"Bearer {mint_token('insurance_bureau', bureau=bureau)}"}

    contracts = sign(signing, admin, run_id, institution, [bureau, bureau, bureau, other])
    for contract_id in contracts:
        eventually(lambda c=contract_id: charged(billing, admin, c), timeout=PATIENT)
    ended = httpx.post(
        f"{signing}/contracts/{contracts[0]}/termination",
        headers=admin | {"Idempotency-Key": f"end-{run_id}"},
        json={"reason": "death", "last_day": "2026-01-31"},
    )
    assert ended.status_code == 200, ended.text
    # 22 of 365 days used: 12000 * 343 / 365 = 11277 fen back, in the period the death became known
    assert sum(eventually(lambda: refunds(billing, admin, contracts[0]), timeout=PATIENT).values()) == -11277
    closed = eventually(  # as the scheduler does: asked again while billing has inputs to apply (409)
        lambda: _unless_behind(
            httpx.post(
                f"{billing}/settlement-periods/close",
                headers=admin | {"Idempotency-Key": f"close-{run_id}"},
                json={"period": "2026-01", "as_of": "2026-02-01"},
            )
        ),
        timeout=PATIENT,
        interval=1,
    )
    assert closed.status_code == 200, closed.text

    received = read_topic(  # as the bureau reads: its own user, its own group
        platform.broker.client(as_bureau_on_kafka),
        topics.bureau(bureau).name,
        lambda ms: any(_type(m) == "billing.FeeSettled.v1" for m in ms),
        timeout=PATIENT,
        group=as_bureau_on_kafka,
    )
    events = [json.loads(m.value()) for m in received]
    settled = [e["data"] for e in events if e["type"] == "billing.FeeSettled.v1"]
    assert {e["data"]["bureau_id"] for e in events} == {bureau}, "a bureau's topic holds only its own"
    assert all(m.key().decode() == institution for m in received)
    assert [(s["due_fen"], s["withheld_fen"], s["payable_fen"]) for s in settled] == [(18000, 5400, 12600)]

    def reconciled() -> Any:
        answer = httpx.get(f"{billing}/settlement-view/reconciliation", params={"period": "2026-01"}, headers=as_bureau)
        body = answer.json()
        return body if answer.status_code == 200 and body["fee_settled_events"] == len(settled) else None

    view = eventually(reconciled, timeout=PATIENT)
    assert view["balanced"] is True
    assert view["fee_settled_totals"]["payable_fen"] == sum(s["payable_fen"] for s in settled)
    assert view["view_totals"]["due_fen"] == sum(s["due_fen"] for s in settled)
    assert view["view_totals"]["contracts_charged"] == 3


def sign(signing: str, admin: dict[str, str], run_id: str, institution: str, bureaus: list[str]) -> list[str]:
    team_id = f"TB-{run_id}"
    team = httpx.post(
        f"{signing}/teams",
        headers=admin | {"Idempotency-Key": team_id},
        json={
            "team_id": team_id,
            "name": "Team",
            "institution_id": institution,
            "institution_kind": "community_health_centre",
            "area_code": "440106",
            "members": [{"member_id": "doc-1", "role": "family_doctor"}],
            "resident_cap": 10,
        },
    )
    assert team.status_code == 201, team.text
    contracts = []
    for number, bureau in zip(IDENTITIES, bureaus, strict=True):
        resident = {"identity_number": number, "name": "Resident", "area_code": "440106", "insurance_bureau_id": bureau}
        signed = httpx.post(
            f"{signing}/contracts",
            headers=admin | {"Idempotency-Key": f"{run_id}-{number}"},
            json={"resident": resident, "team_id": team_id, "packages": ["basic"], "starts_on": "2026-01-10"},
        )
        assert signed.status_code == 201, signed.text
        contracts.append(signed.json()["contract_id"])
    return contracts


def charged(billing: str, admin: dict[str, str], contract_id: str) -> bool:
    answer = httpx.get(f"{billing}/contracts/{contract_id}/account", headers=admin)
    return answer.status_code == 200 and bool(answer.json()["years"])


def refunds(billing: str, admin: dict[str, str], contract_id: str) -> dict[str, int]:
    refunded: dict[str, int] = httpx.get(f"{billing}/contracts/{contract_id}/account", headers=admin).json()["years"][
        0
    ]["refunds"]
    return refunded


def _type(message: Any) -> str:
    return str(json.loads(message.value())["type"])


def _unless_behind(answer: httpx.Response) -> httpx.Response | None:
    """The close's answer, or None while billing's consumer is still applying its inputs."""
    return None if answer.status_code == 409 and "inputs-not-caught-up" in answer.text else answer
