"""Two API processes of one service append to the same store, as two replicas (or
HTTP_WORKERS=2) do: residents race for a team's last places through both at once. The cap
stays exact (each batch reads on from its cached state what the other process appended, and
an append that still conflicts, the two racing, is decided again on fresh state), and an
idempotency key sent again to the other process replays the first answer rather than
signing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

PLACES, RESIDENTS = 10, 40


def test_two_processes_keep_a_team_s_cap_exact_and_replay_each_other_s_keys(
    platform: Processes, run_id: str, mint_token: Callable[..., str]
) -> None:
    own = {"DATABASE_SCHEMA": f"signing_two_{run_id}"}
    apis = [platform.start("serve", "signing", **own) or "", platform.start("serve", "signing", replica=2, **own) or ""]
    team = f"T2W-{run_id}"
    admin, doctor = _who(mint_token("admin")), _who(mint_token("family_doctor", sub="doc-1", team=team))
    members = [{"member_id": "doc-1", "role": "family_doctor"}]
    body = {"team_id": team, "name": "Team", "institution_id": "CHC-1", "resident_cap": PLACES, "members": members}
    body |= {"institution_kind": "community_health_centre", "area_code": "440106"}
    assert httpx.post(f"{apis[0]}/teams", json=body, headers=admin | _key()).status_code == 201
    # One signing through each, then one through the first again: its cached team is a place
    # behind the store, and its batch reads the other's signing on from there, not conflicting.
    requests = [(apis[n % 2 if n < 2 else 0], _signing(run_id, n, team), str(uuid.uuid4())) for n in range(3)]
    answers = [_post(*r, doctor) for r in requests]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert _conflicts(apis[0]) == 0
    more = [(apis[n % 2], _signing(run_id, n, team), str(uuid.uuid4())) for n in range(3, RESIDENTS)]
    with ThreadPoolExecutor(16) as pool:
        answers += list(pool.map(lambda r: _post(*r, doctor), more))
    requests += more
    print(f"conflicting appends: {_conflicts(apis[0]) + _conflicts(apis[1]):.0f}")

    signed = [(r, a) for r, a in zip(requests, answers, strict=True) if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(signed) == PLACES, [a.status_code for a in answers]
    assert {(a.status_code, a.json()["type"]) for a in refused} == {(409, "/problems/team-full")}
    assert len({a.json()["contract_id"] for _, a in signed}) == PLACES
    for api in apis:
        assert httpx.get(f"{api}/teams/{team}", headers=doctor).json()["places_taken"] == PLACES

    for (api, payload, key), first in signed:  # the same key, to the other process
        other = apis[1] if api == apis[0] else apis[0]
        again = _post(other, payload, key, doctor)
        assert (again.status_code, again.json()["contract_id"]) == (201, first.json()["contract_id"])
    assert httpx.get(f"{apis[1]}/teams/{team}", headers=doctor).json()["places_taken"] == PLACES


def _signing(run_id: str, n: int, team: str) -> dict[str, Any]:
    identity = with_check_digit(f"44010619700101{(int(run_id, 16) + n) % 1000:03d}")
    return {"resident": {"identity_number": identity, "name": f"R{n}", "area_code": "440106"}, "team_id": team,
            "packages": ["basic"]}  # fmt: skip


def _post(api: str, payload: dict[str, Any], key: str, who: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{api}/contracts", json=payload, headers=who | {"Idempotency-Key": key}, timeout=30)


def _conflicts(api: str) -> float:
    for line in httpx.get(f"{api}/metrics").text.splitlines():
        if line.startswith("fdcs_command_conflicts_total "):
            return float(line.split()[1])
    return 0.0


def _who(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}
