"""The first slice end to end: HTTP → signing's store → relay → Kafka → appraisal's projection.

The pattern for every service's end-to-end test: start the real processes on the test
servers, act over HTTP as the users would, then poll until the effect is visible.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from shared.contracts import topics
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

IDENTITIES = [with_check_digit(f"44010619{50 + i}0101{i:03d}") for i in range(3)]


def test_a_contract_signed_over_http_is_counted_by_the_appraisal_view(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    signing = platform.start("serve", "signing", DATABASE_SCHEMA=f"signing_{run_id}")
    platform.start("relay", "signing", DATABASE_SCHEMA=f"signing_{run_id}")
    appraisal = platform.start("serve", "appraisal", DATABASE_SCHEMA=f"appraisal_{run_id}")
    platform.start(
        "project", "appraisal", DATABASE_SCHEMA=f"appraisal_{run_id}", CONSUMER_GROUP=f"appraisal.it-{run_id}"
    )
    team_id = f"T-{run_id}"
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', team=team_id)}"}

    team = httpx.post(
        f"{signing}/teams",
        headers=admin | {"Idempotency-Key": team_id},
        json={
            "team_id": team_id,
            "name": "Team",
            "institution_id": "CHC-1",
            "institution_kind": "community_health_centre",
            "area_code": "440106",
            "members": [{"member_id": "doc-1", "role": "family_doctor"}],
            "resident_cap": 10,
        },
    )
    assert team.status_code == 201, team.text
    for number in IDENTITIES:
        signed = httpx.post(
            f"{signing}/contracts",
            headers=doctor | {"Idempotency-Key": number},
            json={
                "resident": {"identity_number": number, "name": "Resident", "area_code": "440106"},
                "team_id": team_id,
                "packages": ["basic"],
            },
        )
        assert signed.status_code == 201, signed.text

    def counted() -> int:
        answer = httpx.get(f"{appraisal}/teams/{team_id}/contracts-signed", headers=doctor)
        return answer.json()["contracts_signed"] if answer.status_code == 200 else 0

    assert eventually(lambda: counted() == len(IDENTITIES))

    mine = read_topic(
        platform.kafka_client(),
        topics.CONTRACTS.name,
        lambda ms: sum(json.loads(m.value())["data"].get("team_id") == team_id for m in ms) == 3,
    )
    values = [m.value().decode() for m in mine if json.loads(m.value())["data"].get("team_id") == team_id]
    assert all(json.loads(v)["type"] == "signing.ContractSigned.v1" for v in values)
    assert not any(number in v for v in values for number in IDENTITIES), "identity numbers stay in signing"
