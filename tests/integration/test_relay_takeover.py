"""Two replicas of referral's relay, as the Deployment runs them: one publishes, the other waits
on the store's lock. The active one is killed (SIGKILL) while referrals are issued and accepted;
the standby takes the lock as soon as the dead one's connection ends and carries on from the
recorded position. At the end the hospital's topic and its HTTP feed each hold every referral's
steps, in order (a step published twice keeps its id: the hospital deduplicates on it).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from shared.contracts import topics
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

REFERRALS = 12
STEPS = ["referral.ReferralIssued.v2", "referral.ReferralAccepted.v2"]


def test_the_standby_relay_takes_over_and_the_hospital_gets_every_step_in_order(
    platform: Processes, run_id: str, mint_token: Callable[..., str]
) -> None:
    team, hospital_id = f"TT-{run_id}", f"H3-tk{run_id}"
    assert platform.broker is not None
    hospital_user = platform.broker.onboard("hospital", hospital_id)
    urls = _start(platform, run_id)
    admin = _who(mint_token("admin"))
    doctor = _who(mint_token("family_doctor", sub="doc-1", team=team))
    hospital = _who(mint_token("hospital", hospital=hospital_id))
    identities = [with_check_digit(f"44010619600404{(int(run_id, 16) + n) % 1000:03d}") for n in range(REFERRALS)]
    _sign_up(urls["signing"], admin, doctor, team, identities)

    issued = [_refer(urls["referral"], doctor, hospital_id, identity) for identity in identities[: REFERRALS // 2]]
    client, name = platform.broker.client(hospital_user), topics.hospital(hospital_id).name
    killed_at = time.monotonic()
    platform.crash("referral.relay", restart=False)  # the active one: started first, it took the lock
    issued.append(_refer(urls["referral"], doctor, hospital_id, identities[REFERRALS // 2]))
    read_topic(client, name, lambda ms: issued[-1] in _steps(ms), timeout=60, group=hospital_user)
    print(f"standby relay: a referral issued after the kill on the topic in {time.monotonic() - killed_at:.1f} s")
    issued += [_refer(urls["referral"], doctor, hospital_id, identity) for identity in identities[REFERRALS // 2 + 1 :]]
    for referral_id in issued:
        _accept(urls["referral"], hospital, referral_id)

    everything = 2 * REFERRALS
    received = read_topic(
        client, name, lambda ms: sum(map(len, _steps(ms).values())) == everything, timeout=60, group=hospital_user
    )
    assert _steps(received) == {r: STEPS for r in issued}, "complete and in order on the topic, per referral"
    feed = eventually(lambda: _whole_feed(urls["referral"], hospital_id, hospital, 2 * REFERRALS), timeout=60)
    positions = [item["position"] for item in feed]
    assert positions == sorted(set(positions)), "the feed in order, each step once"
    by_referral: dict[str, list[str]] = {}
    for item in feed:
        by_referral.setdefault(item["event"]["subject"], []).append(item["event"]["type"])
    assert by_referral == {r: STEPS for r in issued}


def _start(platform: Processes, run_id: str) -> dict[str, str]:
    signing, referral = {"DATABASE_SCHEMA": f"signing_tk_{run_id}"}, {"DATABASE_SCHEMA": f"referral_tk_{run_id}"}
    urls = {"signing": platform.start("serve", "signing", **signing) or ""}
    platform.start("relay", "signing", **signing)
    urls["referral"] = platform.start("serve", "referral", **referral) or ""
    platform.start("relay", "referral", **referral)
    time.sleep(2)  # the first replica holds the lock before the second asks for it
    platform.start("relay", "referral", replica=2, **referral)
    platform.start("project", "referral", **referral, CONSUMER_GROUP=f"referral.tk-{run_id}")
    return urls


def _sign_up(signing: str, admin: dict[str, str], doctor: dict[str, str], team: str, identities: list[str]) -> None:
    members = [{"member_id": "doc-1", "role": "family_doctor"}]
    body = {"team_id": team, "name": "Team", "institution_id": "CHC-1", "resident_cap": 50, "members": members}
    _post(signing, "/teams", body | {"institution_kind": "community_health_centre", "area_code": "440106"}, admin, 201)
    for n, identity in enumerate(identities):
        resident = {"identity_number": identity, "name": f"Patient {n}", "area_code": "440106"}
        _post(signing, "/contracts", {"resident": resident, "team_id": team, "packages": ["basic"]}, doctor, 201)


def _refer(referral: str, doctor: dict[str, str], hospital_id: str, identity: str) -> str:
    body = {
        "patient": {"identity_number": identity, "name": "Patient"},
        "hospital_id": hospital_id,
        "department": "cardiology",
        "reason": "Chest pain on exertion",
        "clinical_summary": "ECG: ST depression in V4-V6.",
    }
    key = str(uuid.uuid4())

    def refer() -> Any:  # refused until referral has learnt of the contract
        answer = httpx.post(f"{referral}/referrals", json=body, headers=doctor | {"Idempotency-Key": key})
        return answer.json() if answer.status_code == 201 else None

    return str(eventually(refer, timeout=60)["referral_id"])


def _accept(referral: str, hospital: dict[str, str], referral_id: str) -> None:
    body = {"appointment_at": "2099-01-02T09:00:00+08:00", "department": "cardiology", "doctor": "Dr Wang"}
    _post(referral, f"/referrals/{referral_id}/accept", body, hospital, 200)


def _steps(messages: list[Any]) -> dict[str, list[str]]:
    """Each referral's step types in the order received, a repeated id counted once."""
    seen: set[str] = set()
    steps: dict[str, list[str]] = {}
    for message in messages:
        envelope = json.loads(message.value())
        if envelope["id"] not in seen:
            seen.add(envelope["id"])
            steps.setdefault(message.key().decode(), []).append(envelope["type"])
    return steps


def _whole_feed(referral: str, hospital_id: str, hospital: dict[str, str], n: int) -> list[Any] | None:
    items: list[Any] = []
    after = 0
    while True:
        page = httpx.get(f"{referral}/hospitals/{hospital_id}/feed", params={"after": after}, headers=hospital).json()
        items += page["items"]
        if not page["items"]:
            return items if len(items) >= n else None
        after = page["next_after"]


def _who(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(base: str, path: str, body: Any, who: dict[str, str], expect: int) -> Any:
    answer = httpx.post(f"{base}{path}", json=body, headers=who | {"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == expect, f"POST {path}: {answer.status_code} {answer.text}"
    return answer.json()
