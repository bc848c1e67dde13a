"""A service's store restored from a backup: the relay and the views converge by themselves.

Signing (the source of contracts) and health records (which follows them) run as real
processes. Both are backed up (`python -m fdcs backup`) while one contract is signed but not
yet published; then that one is published, another resident signs, and a third is erased.
Both databases are lost, restored from the dumps (`python -m fdcs restore`) and started again:
- health records, whose inputs are all on Kafka, comes back whole: the contract signed after
  the dump and the erasure are applied again from the rewound group, and what the dump held
  is not applied twice;
- signing comes back as of the dump (what it recorded later is the recovery point's loss),
  publishes the unpublished contract again under the same id (consumers deduplicate), and
  the resident erased after the dump stays erased: a restore brings no key back.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg

from fdcs.services import SERVICES
from shared.contracts import topics
from shared.eventstore.cipher import ERASED
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

ROLES = ("serve", "relay", "project")


def test_a_restored_store_converges_with_its_relay_and_its_followers(
    platform: Processes, run_id: str, mint_token: Callable[..., str], postgres_url: str, tmp_path: Path
) -> None:
    own = {s: _own(s, run_id) for s in ("signing", "health-records")}
    urls = {s: _start(platform, s, own[s]) for s in own}
    team = f"TB-{run_id}"
    doctor, admin = _who(mint_token("family_doctor", sub="doc-1", team=team)), _who(mint_token("admin"))
    _register(urls["signing"], admin, team)
    first, unpublished, later = (_Person(run_id, n) for n in (1, 2, 3))

    signed = {first: _sign(urls["signing"], doctor, team, first)}
    _keep_record(urls["health-records"], doctor, first)
    platform.halt("signing.relay")
    signed[unpublished] = _sign(urls["signing"], doctor, team, unpublished)
    dumps = {s: tmp_path / f"{s}.dump" for s in own}
    for service, dump in dumps.items():
        platform.run(service, "backup", service, str(dump), **own[service])
    platform.resume("signing.relay")
    signed[later] = _sign(urls["signing"], doctor, team, later)
    resident = _who(mint_token("resident", resident=first.ref))
    _send(urls["signing"], f"/residents/{first.ref}/erasure", {"reason": "resident_request"}, resident)
    for person in (unpublished, later):
        _wait_for_record(urls["health-records"], doctor, person)
    eventually(lambda: _name_on_record(urls["health-records"], doctor, first) == ERASED, 60)

    said = _lose_and_restore(platform, postgres_url, own, dumps)
    assert "erasures done again: 1" in said["signing"]

    records, signing = urls["health-records"], urls["signing"]
    for person in (unpublished, later):  # re-read from the rewound group
        _wait_for_record(records, doctor, person)
    assert _name_on_record(records, doctor, first) == ERASED, "the erasure applied again"
    assert _get(signing, f"/contracts/{signed[first]}", doctor)["resident_name"] == ERASED, "no key comes back"
    assert _get(signing, f"/contracts/{signed[unpublished]}", doctor)["status"] == "active"
    assert httpx.get(f"{signing}/contracts/{signed[later]}", headers=doctor).status_code == 404, "the recovery point"
    for person in (first, unpublished, later):
        assert _care_events(postgres_url, own["health-records"], person.ref) == 1, "each contract noted once"
    ids = _published_ids(platform, signed[unpublished])
    assert len(ids) == 2 and len(set(ids)) == 1, "published again, under the same id"


def _lose_and_restore(
    platform: Processes, postgres_url: str, own: dict[str, dict[str, str]], dumps: dict[str, Path]
) -> dict[str, str]:
    """The disaster: each service's processes stopped and its store gone; then restored and started again."""
    for service in own:
        for role in ROLES:
            platform.halt(f"{service}.{role}")
        _drop(postgres_url, own[service]["DATABASE_SCHEMA"])
    said = {s: platform.run(s, "restore", s, str(dumps[s]), **own[s]) for s in own}
    for service in own:
        for role in ROLES:
            platform.resume(f"{service}.{role}")
    return said


class _Person:
    def __init__(self, run_id: str, n: int) -> None:
        serial = (int(run_id, 16) + n) % 1000
        self.identity = with_check_digit(f"44010619500303{serial:03d}")
        self.name = f"Backup Person{run_id}{n}"
        self.ref = resident_ref(self.identity, DEV_PSEUDONYM_KEY)


def _own(service: str, run_id: str) -> dict[str, str]:
    settings = {
        "DATABASE_SCHEMA": f"{service.replace('-', '_')}_br_{run_id}",
        "PERSONAL_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    if service != "signing":
        settings["CONSUMER_GROUP"] = f"{service.replace('-', '_')}.br-{run_id}"
    return settings


def _start(platform: Processes, service: str, own: dict[str, str]) -> str:
    url = platform.start("serve", service, **own)
    assert url is not None
    platform.start("relay", service, **own)
    platform.start("project", service, **own)
    return url


def _register(signing: str, admin: dict[str, str], team: str) -> None:
    members = [{"member_id": "doc-1", "role": "family_doctor"}, {"member_id": "nurse-1", "role": "community_nurse"}]
    body = {"team_id": team, "name": "Team", "institution_id": "CHC-1", "resident_cap": 10, "members": members}
    _send(signing, "/teams", body | {"institution_kind": "community_health_centre", "area_code": "440106"}, admin, 201)


def _sign(signing: str, doctor: dict[str, str], team: str, person: _Person) -> str:
    resident = {"identity_number": person.identity, "name": person.name, "area_code": "440106"}
    body = {"resident": resident, "team_id": team, "packages": ["basic"]}
    return str(_send(signing, "/contracts", body, doctor, 201)["contract_id"])


def _keep_record(records: str, doctor: dict[str, str], person: _Person) -> None:
    _wait_for_record(records, doctor, person)
    basic = {"name": person.name, "sex": "male", "birth_date": "1950-03-03", "identity_number": person.identity}
    _send(records, f"/residents/{person.ref}/record/basic-information", basic, doctor, 200, "PUT")


def _wait_for_record(records: str, doctor: dict[str, str], person: _Person) -> None:
    url = f"{records}/residents/{person.ref}/record"
    eventually(lambda: httpx.get(url, headers=doctor).status_code == 200, 60)


def _name_on_record(records: str, doctor: dict[str, str], person: _Person) -> Any:
    return _get(records, f"/residents/{person.ref}/record", doctor)["basic_information"]["name"]


def _drop(postgres_url: str, schema: str) -> None:
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _care_events(postgres_url: str, own: dict[str, str], ref: str) -> int:
    """The events health records holds of the resident's care: one per contract noted."""
    service = SERVICES["health-records"]
    settings = service.settings(
        database_url=postgres_url, database_schema=own["DATABASE_SCHEMA"], personal_data_key=own["PERSONAL_DATA_KEY"]
    )
    store = service.bootstrap().store_for(settings)
    try:
        return len(store.read(f"care-{ref}"))
    finally:
        store.close()


def _published_ids(platform: Processes, contract_id: str) -> list[str]:
    """The envelope ids of the contract's ContractSigned messages on signing's topic."""

    def ids(messages: list[Any]) -> list[str]:
        envelopes = [json.loads(m.value()) for m in messages]
        return [e["id"] for e in envelopes if e["subject"] == contract_id and e["type"] == "signing.ContractSigned.v1"]

    return ids(read_topic(platform.kafka_client(), topics.CONTRACTS.name, lambda ms: len(ids(ms)) >= 2, timeout=30))


def _who(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _get(base: str, path: str, who: dict[str, str]) -> dict[str, Any]:
    answer = httpx.get(f"{base}{path}", headers=who)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
    return dict(answer.json())


def _send(base: str, path: str, body: Any, who: dict[str, str], expect: int = 200, method: str = "POST") -> Any:  # noqa: PLR0913
    answer = httpx.request(method, f"{base}{path}", json=body, headers=who | {"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json()
