"""PostgreSQL away in the middle of a stream of signings, then back: the API answers 503
(problem+json, `Retry-After`) quickly while it is down and `/health/ready` says so; everything recovers
by itself once it is back, the relay and the projection resume where they were, and the
signings end counted once each, the ones refused during the outage too once retried with their
keys. The relay, whose lock went with the restart, takes it again.

A PostgreSQL of this module's own (the session's is shared by every test) and the platform's
real processes on it: signing's API and relay, appraisal's projection and API.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from shared.servers.broker import PlatformKafka
from shared.servers.postgres import EmbeddedPostgres, new_database
from shared.testing.fixtures import services_environment
from shared.testing.kafka import eventually
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres-outage") / "data").start()
    try:
        yield server
    finally:
        server.stop()
        server.remove()


@pytest.fixture(scope="module")
def urls(
    database: EmbeddedPostgres, broker: PlatformKafka, jwt_keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    environment = services_environment(new_database(database.url, "fdcs_outage"), broker, jwt_keys)
    processes, run = Processes(environment, tmp_path_factory.mktemp("logs"), broker), uuid.uuid4().hex[:8]
    signing, appraisal = {"DATABASE_SCHEMA": f"signing_{run}"}, {"DATABASE_SCHEMA": f"appraisal_{run}"}
    try:
        found = {"signing": processes.start("serve", "signing", **signing) or ""}
        processes.start("relay", "signing", **signing)
        found["appraisal"] = processes.start("serve", "appraisal", **appraisal) or ""
        processes.start("project", "appraisal", **appraisal, CONSUMER_GROUP=f"appraisal.outage-{run}")
        yield found
    finally:
        processes.stop()


@pytest.mark.parametrize("fault", ["stopped", "killed"])
def test_the_api_answers_503_while_the_database_is_away_and_everything_recovers_by_itself(
    database: EmbeddedPostgres, urls: dict[str, str], mint_token: Callable[..., str], fault: str
) -> None:
    """`stopped`: a fast shutdown; `killed`: SIGKILL, as a crash or an OOM kill (the restart
    recovers from the write-ahead log)."""
    team_id = f"T-outage-{uuid.uuid4().hex[:6]}"
    first = 0 if fault == "stopped" else 500  # the residents of each run their own
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', team=team_id)}"}
    signing = httpx.Client(base_url=urls["signing"], headers=doctor, timeout=30)
    team = {
        "team_id": team_id, "name": "Team", "institution_id": "CHC-1", "institution_kind": "community_health_centre",
        "area_code": "440106", "members": [{"member_id": "doc-1", "role": "family_doctor"}], "resident_cap": 1000,
    }  # fmt: skip
    assert signing.post("/teams", headers=admin | {"Idempotency-Key": team_id}, json=team).status_code == 201

    def sign(serial: int) -> httpx.Response:
        number = with_check_digit(f"44010619800101{first + serial:03d}")
        resident = {"identity_number": number, "name": "Resident", "area_code": "440106"}
        body = {"resident": resident, "team_id": team_id, "packages": ["basic"]}
        return signing.post("/contracts", headers={"Idempotency-Key": number}, json=body)

    def counted() -> int:
        answer = httpx.get(f"{urls['appraisal']}/teams/{team_id}/contracts-signed", headers=doctor)
        return int(answer.json()["contracts_signed"]) if answer.status_code == 200 else -1

    assert [sign(n).status_code for n in range(5)] == [201] * 5
    eventually(lambda: counted() == 5, timeout=60)

    database.stop() if fault == "stopped" else database.kill()
    try:
        started = time.monotonic()
        refused = [sign(n) for n in range(5, 8)]
        took = time.monotonic() - started
        ready = httpx.get(f"{urls['signing']}/health/ready", timeout=30)  # the pool waits 5 s for a connection
    finally:
        database.start()

    assert [r.status_code for r in refused] == [503] * 3, [r.text[:200] for r in refused]
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in refused)
    assert all(int(r.headers["Retry-After"]) > 0 for r in refused)
    assert took < 30, f"three refusals took {took:.1f} s: the API must not hang while its store is away"
    assert ready.status_code == 503

    eventually(lambda: httpx.get(f"{urls['signing']}/health/ready", timeout=30).status_code == 200, timeout=60)
    eventually(lambda: sign(5).status_code in (200, 201), timeout=30)  # the refused ones, retried with their keys
    assert [sign(n).status_code for n in range(6, 10)] == [201] * 4
    again = sign(5)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true"), "a retried key replays"
    eventually(lambda: counted() == 10, timeout=120, interval=0.5)
    time.sleep(2)  # nothing more arrives late: each signing counted once
    assert counted() == 10
    eventually(lambda: relay_locks(database) == 1, timeout=30)  # the relay took its lock again


def relay_locks(database: EmbeddedPostgres) -> int:
    """Advisory locks held on the server (the relay's; the restart freed the one it held)."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted").fetchone()
        return int(row[0]) if row else 0
