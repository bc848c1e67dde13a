"""Referral end to end: a contract signed in signing reaches referral over Kafka; a doctor
refers the resident over HTTP; a Kafka consumer acting as the hospital receives the referral
on the hospital's own topic, reads the patient over the API, and accepts; its HTTP feed shows it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from shared.contracts import topics
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

IDENTITY = with_check_digit("44010619560301123")


def test_a_referral_issued_over_http_reaches_the_hospital_s_kafka_consumer(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    team_id, hospital_id = f"TR-{run_id}", f"H3-{run_id}"
    assert platform.broker is not None
    hospital_user = platform.broker.onboard("hospital", hospital_id)  # as provincial IT onboards a hospital
    signing = platform.start("serve", "signing", DATABASE_SCHEMA=f"signing_r_{run_id}")
    platform.start("relay", "signing", DATABASE_SCHEMA=f"signing_r_{run_id}")
    referral = platform.start("serve", "referral", DATABASE_SCHEMA=f"referral_{run_id}")
    platform.start("relay", "referral", DATABASE_SCHEMA=f"referral_{run_id}")
    platform.start("project", "referral", DATABASE_SCHEMA=f"referral_{run_id}", CONSUMER_GROUP=f"referral.it-{run_id}")
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', sub='doc-1', team=team_id)}"}
    hospital = {"Authorization": f"Bearer {mint_token('hospital', hospital=hospital_id)}"}
    sign_up(signing, admin, doctor, team_id, hospital_id)

    def refer() -> httpx.Response | None:  # refused until referral has learnt of the contract
        answer = httpx.post(
            f"{referral}/referrals", headers=doctor | {"Idempotency-Key": run_id}, json=referral_to(hospital_id)
        )
        return answer if answer.status_code == 201 else None

    issued = eventually(refer, timeout=60).json()
    received = read_topic(  # as the hospital reads: its own user, its own group
        platform.broker.client(hospital_user),
        topics.hospital(hospital_id).name,
        lambda ms: any(m.key().decode() == issued["referral_id"] for m in ms),
        group=hospital_user,
    )
    message = json.loads(received[-1].value())
    patient = httpx.get(f"{referral}/referrals/{issued['referral_id']}", headers=hospital).json()["patient"]
    accepted = httpx.post(
        f"{referral}/referrals/{issued['referral_id']}/accept",
        headers=hospital | {"Idempotency-Key": f"accept-{run_id}"},
        json={"appointment_at": "2099-01-02T09:00:00+08:00", "department": "cardiology", "doctor": "Dr Wang"},
    )
    feed = eventually(lambda: _feed(referral, hospital_id, hospital, 2))

    assert (message["type"], message["data"]["priority"], message["data"]["combined_signing"]) == (
        "referral.ReferralIssued.v2",
        "green_channel",
        True,
    )
    assert IDENTITY not in received[-1].value().decode(), "the identity stays in the API"
    assert patient["identity_number"] == IDENTITY
    assert accepted.status_code == 200, accepted.text
    assert [item["event"]["type"] for item in feed] == ["referral.ReferralIssued.v2", "referral.ReferralAccepted.v2"]


def referral_to(hospital_id: str) -> dict[str, Any]:
    return {
        "patient": {"identity_number": IDENTITY, "name": "Chen Jie"},
        "hospital_id": hospital_id,
        "department": "cardiology",
        "priority": "green_channel",
        "reason": "Chest pain on exertion",
        "clinical_summary": "ECG: ST depression in V4-V6.",
    }


def sign_up(signing: str | None, admin: dict[str, str], doctor: dict[str, str], team_id: str, hospital_id: str) -> None:
    team = {
        "team_id": team_id,
        "name": "Team",
        "institution_id": "CHC-1",
        "institution_kind": "community_health_centre",
        "area_code": "440106",
        "members": [{"member_id": "doc-1", "role": "family_doctor"}],
        "resident_cap": 10,
    }
    contract = {
        "resident": {"identity_number": IDENTITY, "name": "Chen Jie", "area_code": "440106"},
        "team_id": team_id,
        "packages": ["basic"],
        "combined_signing": {"secondary_hospital_id": "H2-440106", "tertiary_hospital_id": hospital_id},
    }
    for path, body, who in (("teams", team, admin), ("contracts", contract, doctor)):
        answer = httpx.post(f"{signing}/{path}", headers=who | {"Idempotency-Key": f"{path}-{team_id}"}, json=body)
        assert answer.status_code == 201, answer.text


def _feed(referral: str | None, hospital_id: str, hospital: dict[str, str], n: int) -> list[Any] | None:
    items: list[Any] = httpx.get(f"{referral}/hospitals/{hospital_id}/feed", headers=hospital).json()["items"]
    return items if len(items) >= n else None
