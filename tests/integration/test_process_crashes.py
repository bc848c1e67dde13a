"""Kill -9 rounds: while signings flow, each kind of process is killed at a random moment
(SIGKILL, as a crash or an OOM kill would) and started again: signing's API and relay,
appraisal's projection (a read model from Kafka) and billing's (commands from Kafka, and its
settlement view). At the end nothing acknowledged is lost and nothing has taken effect twice:
every signing answered 201 is counted once by appraisal and has one account in billing like
every other's, and every idempotency key still replays the same contract.

The broker and PostgreSQL have tests of their own (`test_broker_faults`, `test_database_outage`), and
so has the relay's standby replica (`test_relay_takeover`).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.servers.broker import PlatformKafka
from shared.testing.fixtures import services_environment
from shared.testing.kafka import eventually
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

VICTIMS = ("signing.serve", "signing.relay", "appraisal.project", "billing.project", "signing.serve")


@pytest.fixture(scope="module")
def platform(
    postgres_url: str, broker: PlatformKafka, jwt_keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Processes, dict[str, str]]]:
    environment = services_environment(postgres_url, broker, jwt_keys)
    processes, run = Processes(environment, tmp_path_factory.mktemp("logs"), broker), uuid.uuid4().hex[:8]
    schemas = {s: {"DATABASE_SCHEMA": f"{s}_crash_{run}"} for s in ("signing", "appraisal", "billing")}
    try:
        urls = {s: processes.start("serve", s, **schemas[s]) or "" for s in schemas}
        processes.start("relay", "signing", **schemas["signing"])
        processes.start("project", "appraisal", **schemas["appraisal"], CONSUMER_GROUP=f"appraisal.crash-{run}")
        processes.start("project", "billing", **schemas["billing"], CONSUMER_GROUP=f"billing.crash-{run}",
                        VIEW_CONSUMER_GROUP=f"billing.crash-view-{run}",
                        ROUTER_CONSUMER_GROUP=f"billing.crash-router-{run}")  # fmt: skip
        yield processes, urls
    finally:
        processes.stop()


def test_no_signing_is_lost_or_counted_twice_when_processes_are_killed_midway(
    platform: tuple[Processes, dict[str, str]], mint_token: Callable[..., str]
) -> None:
    processes, urls = platform
    team_id = f"T-crash-{uuid.uuid4().hex[:6]}"
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', team=team_id)}"}
    team = {
        "team_id": team_id, "name": "Team", "institution_id": "CHC-1", "institution_kind": "community_health_centre",
        "area_code": "440106", "members": [{"member_id": "doc-1", "role": "family_doctor"}], "resident_cap": 5000,
    }  # fmt: skip
    assert httpx.post(f"{urls['signing']}/teams", headers=admin | {"Idempotency-Key": team_id}, json=team).is_success
    signer = Signer(urls["signing"], doctor, team_id)
    sender = threading.Thread(target=signer.run, name="signings")
    sender.start()
    draw = random.Random(20261202)  # the same moments each run
    try:
        for victim in VICTIMS:
            time.sleep(draw.uniform(0.5, 2.0))
            processes.crash(victim)
        time.sleep(1)
    finally:
        signer.done.set()
        sender.join(60)
    signed = signer.signed

    contracts = sorted(signed.values())
    assert len(contracts) >= 20 and len(set(contracts)) == len(contracts)

    def counted() -> int:
        answer = httpx.get(f"{urls['appraisal']}/teams/{team_id}/contracts-signed", headers=doctor)
        return int(answer.json()["contracts_signed"]) if answer.status_code == 200 else -1

    eventually(lambda: counted() == len(contracts), timeout=120, interval=0.5)
    eventually(lambda: all(_account(urls["billing"], admin, c) for c in contracts), timeout=120, interval=0.5)
    time.sleep(2)  # whatever was redelivered has been applied by now
    accounts = {c: _account(urls["billing"], admin, c) for c in contracts}

    assert counted() == len(contracts), "each signing counted once"
    shapes = {_shape(a) for a in accounts.values()}
    assert len(shapes) == 1, f"every contract charged alike, none twice: {shapes}"
    some = sorted(signed, key=int)[:: max(1, len(signed) // 10)]
    replays = [signer.sign(int(serial)) for serial in some]
    assert [(r.status_code, r.headers.get("Idempotent-Replayed")) for r in replays] == [(201, "true")] * len(some)
    assert [r.json()["contract_id"] for r in replays] == [signed[serial] for serial in some]


class Signer:
    """As a client with idempotency keys does: a key is sent again until it is answered."""

    def __init__(self, url: str, doctor: dict[str, str], team_id: str) -> None:
        self._url, self._doctor, self._team_id = url, doctor, team_id
        self.signed: dict[str, str] = {}  # serial → contract id, of every 201
        self.done = threading.Event()

    def sign(self, serial: int) -> httpx.Response:
        number = with_check_digit(f"44010619900101{serial:03d}")
        body = {"resident": {"identity_number": number, "name": "Resident", "area_code": "440106"},
                "team_id": self._team_id, "packages": ["basic"]}  # fmt: skip
        return httpx.post(f"{self._url}/contracts", headers=self._doctor | {"Idempotency-Key": number}, json=body)

    def run(self) -> None:
        for serial in range(1000):
            if not self._until_answered(serial):
                return
            time.sleep(0.02)

    def _until_answered(self, serial: int) -> bool:
        while not self.done.is_set():
            try:
                answer = self.sign(serial)
            except httpx.TransportError:  # the API was killed: the same key again
                time.sleep(0.1)
                continue
            if answer.status_code == 201:
                self.signed[str(serial)] = answer.json()["contract_id"]
                return True
            time.sleep(0.1)  # a 503 while it restarts
        return False


def _account(billing: str, admin: dict[str, str], contract_id: str) -> dict[str, Any] | None:
    answer = httpx.get(f"{billing}/contracts/{contract_id}/account", headers=admin)
    return answer.json() if answer.status_code == 200 and answer.json().get("years") else None


def _shape(account: dict[str, Any] | None) -> str:
    """What a contract's account holds, without its ids: the same for every contract signed alike."""
    assert account is not None
    return repr([(y["shares"], y["refunds"]) for y in account["years"]] + [account["refusals"]])
