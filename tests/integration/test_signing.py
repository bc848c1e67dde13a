"""Signing end to end: the contract lifecycle over HTTP, each public event seen on Kafka.

Real processes (the API, its relay, its index projection) on the test servers; the
daily expiry job is called for today (it refuses a later day).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.contracts import topics
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

IDENTITIES = [with_check_digit(f"44010619{60 + i}0101{i:03d}") for i in range(4)]


class Signing:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.auth = url, {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}{path}", json=body, headers=self.auth | {"Idempotency-Key": path + json.dumps(body)}
        )
        assert answer.status_code in (200, 201), answer.text
        return dict(answer.json())

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}{path}", params=params, headers=self.auth).json())

    def active(self, team_id: str) -> list[str]:
        return [c["contract_id"] for c in self.get("/contracts", team_id=team_id, status="active")["items"]]

    def register(self, team_id: str) -> None:
        self.post(
            "/teams",
            {
                "team_id": team_id,
                "name": team_id,
                "institution_id": "CHC-1",
                "institution_kind": "community_health_centre",
                "area_code": "440106",
                "members": [{"member_id": "doc-1", "role": "family_doctor"}],
                "resident_cap": 10,
            },
        )

    def sign(self, team_id: str, number: str, starts_on: date) -> str:
        resident = {"identity_number": number, "name": "Resident", "area_code": "440106"}
        body = {"resident": resident, "team_id": team_id, "packages": ["basic"], "starts_on": starts_on.isoformat()}
        return str(self.post("/contracts", body)["contract_id"])


def test_sign_renew_switch_terminate_and_expire_publish_their_events(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    schema = {"DATABASE_SCHEMA": f"signing_{run_id}"}
    url = platform.start("serve", "signing", **schema)
    platform.start("relay", "signing", **schema)
    platform.start("project", "signing", **schema)
    assert url is not None
    api, today = Signing(url, mint_token("admin")), datetime.now(ZoneInfo("Asia/Shanghai")).date()
    team_a, team_b = f"A-{run_id}", f"B-{run_id}"
    api.register(team_a)
    api.register(team_b)
    api.post(f"/teams/{team_a}/members", {"member_id": "nurse-1", "role": "community_nurse"})

    ending_soon = api.sign(team_a, IDENTITIES[0], today - timedelta(days=300))
    renewal = api.post(f"/contracts/{ending_soon}/renewal", {})["contract_id"]
    moving = api.sign(team_a, IDENTITIES[1], today)
    switched = api.post(f"/contracts/{moving}/switch", {"team_id": team_b})["contract_id"]
    leaving = api.sign(team_a, IDENTITIES[2], today)
    api.post(f"/contracts/{leaving}/termination", {"reason": "moved_away"})
    lapsing = api.sign(team_a, IDENTITIES[3], today - timedelta(days=370))  # its year ended last week
    assert eventually(lambda: lapsing in api.active(team_a))  # the index has caught up
    assert lapsing in api.post("/contracts/expiries", {"as_of": today.isoformat()})["expired"]

    expected = {
        ("signing.ContractSigned.v1", ending_soon),
        ("signing.ContractRenewed.v1", renewal),
        ("signing.ContractTerminated.v1", moving),
        ("signing.ContractSigned.v1", switched),
        ("signing.ContractTerminated.v1", leaving),
        ("signing.ContractExpired.v1", lapsing),
    }
    ours = read_events(platform, topics.CONTRACTS.name, {team_a, team_b}, expected)
    by_id = {(e["type"], e["subject"]): e["data"] for e in ours}
    assert by_id[("signing.ContractRenewed.v1", renewal)]["renews_contract_id"] == ending_soon
    assert by_id[("signing.ContractTerminated.v1", moving)]["replaced_by_contract_id"] == switched
    assert by_id[("signing.ContractSigned.v1", switched)]["replaces_contract_id"] == moving
    assert by_id[("signing.ContractTerminated.v1", leaving)]["reason"] == "moved_away"
    assert not any(number in json.dumps(e) for e in ours for number in IDENTITIES), "identities stay in signing"
    team_events = {("signing.TeamRegistered.v2", team_a), ("signing.TeamMemberJoined.v1", team_a)}
    read_events(platform, topics.TEAMS.name, {team_a}, team_events)


def read_events(
    platform: Processes, topic: str, teams: set[str], expected: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """This run's events on `topic`, once every expected (type, subject) arrived."""

    def ours(messages: list[Any]) -> list[dict[str, Any]]:
        decoded = [json.loads(m.value()) for m in messages]
        return [e for e in decoded if e["data"].get("team_id") in teams]  # erasures name no team

    found = read_topic(
        platform.kafka_client(),
        topic,
        lambda ms: expected <= {(e["type"], e["subject"]) for e in ours(ms)},
    )
    return ours(found)
