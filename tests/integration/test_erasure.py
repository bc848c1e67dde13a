"""A resident's personal data at rest, and their erasure, across the platform's real processes.

A resident with a planted name, identity number, phone and address signs a contract; their
doctor keeps their record (basic information, a recent-information note) and refers them
with planted text. A backup of the whole database (pg_dump) shows none of it, though the
APIs show it to the doctor. The resident erases themselves: signing shreds its key and
publishes the erasure, health records and referral shred theirs. Then the APIs answer with
the placeholder, the contract, record and referral still stand, and neither the database,
nor any topic, nor any log, shows a planted value or a master key.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from shared.eventstore.cipher import ERASED
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.dumps import database_dump, found_in
from shared.testing.kafka import eventually, read_everything
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

SERVICES = ("signing", "health-records", "referral")


class Resident:
    def __init__(self, run_id: str) -> None:
        n = int(run_id, 16) % 1000
        self.identity = with_check_digit(f"44010619480202{n:03d}")
        self.name, self.phone = f"Ouyang Planted{run_id}", f"136{n:03d}{n:05d}"
        self.address, self.note = f"{run_id} Erasure Lane", f"lives with daughter {run_id}, falls often"
        self.ref = resident_ref(self.identity, DEV_PSEUDONYM_KEY)

    def secrets(self) -> list[str]:
        return [self.identity, self.name, self.phone, self.address, self.note]


def test_personal_data_is_sealed_at_rest_and_an_erased_resident_s_is_unreadable_everywhere(
    platform: Processes, run_id: str, mint_token: Callable[..., str], postgres_url: str
) -> None:
    person, team_id, hospital_id = Resident(run_id), f"TE-{run_id}", f"H3-er{run_id}"
    assert platform.broker is not None
    platform.broker.onboard("hospital", hospital_id)
    masters = {s: base64.b64encode(os.urandom(32)).decode() for s in SERVICES}  # one per service
    urls = {s: _start(platform, s, run_id, masters[s]) for s in SERVICES}
    doctor = _who(mint_token("family_doctor", sub="doc-1", team=team_id))
    admin, resident = _who(mint_token("admin")), _who(mint_token("resident", resident=person.ref))
    hospital = _who(mint_token("hospital", hospital=hospital_id))

    contract = _sign(urls["signing"], admin, doctor, team_id, person)
    _keep_record(urls["health-records"], doctor, person)
    referral = _refer(urls["referral"], doctor, hospital_id, person)

    sealed = database_dump(postgres_url, _schemas(run_id))
    assert f"signing_er_{run_id}.stored_events" in sealed  # the pattern found the deployment's schemas
    assert found_in(sealed, person.secrets()) == [], "sealed at rest"
    assert _record(urls["health-records"], doctor, person)["basic_information"]["phone"] == person.phone
    assert _get(urls["referral"], f"/referrals/{referral}", hospital)["patient"]["name"] == person.name

    erased = _send(urls["signing"], f"/residents/{person.ref}/erasure", {"reason": "resident_request"}, resident)
    assert erased["reason"] == "resident_request"
    eventually(lambda: _record(urls["health-records"], doctor, person)["basic_information"]["name"] == ERASED, 60)
    eventually(lambda: _get(urls["referral"], f"/referrals/{referral}", hospital)["patient"]["name"] == ERASED, 60)

    signed = _get(urls["signing"], f"/contracts/{contract}", doctor)
    assert (signed["status"], signed["resident_name"], signed["packages"][0]["code"]) == ("active", ERASED, "basic")
    record = _record(urls["health-records"], doctor, person)
    assert (record["basic_information"]["address"], record["recent_information"][0]["summary"]) == (ERASED, ERASED)
    assert _get(urls["referral"], f"/referrals/{referral}", hospital)["status"] == "issued"
    assert found_in(database_dump(postgres_url, _schemas(run_id)), person.secrets()) == []
    topics = {topic: repr(messages) for topic, messages in read_everything(platform.kafka_client()).items()}
    assert _leaks(topics, person.secrets()) == {}
    assert _leaks(platform.logs(), [*person.secrets(), *masters.values()]) == {}, "no personal data, no key"


def _schemas(run_id: str) -> list[str]:
    """Every schema this deployment writes: its services' own, appraisal's events (named by a
    setting it keeps) and the default one. The session's database holds every other test's
    schemas too, hundreds of appraisal's of some 200 partitioned tables each, and pg_dump locks
    each table it dumps at once: the whole database outgrew the server's lock table."""
    return [f"*_er_{run_id}", "appraisal_events", "public"]


def _leaks(texts: dict[str, str], secrets: list[str]) -> dict[str, list[str]]:
    return {where: found for where, text in texts.items() if (found := found_in(text, secrets))}


def _start(platform: Processes, service: str, run_id: str, master: str) -> str:
    own = {"DATABASE_SCHEMA": f"{service.replace('-', '_')}_er_{run_id}", "PERSONAL_DATA_KEY": master}
    url = platform.start("serve", service, **own)
    assert url is not None
    platform.start("relay", service, **own)
    group = {} if service == "signing" else {"CONSUMER_GROUP": f"{service.replace('-', '_')}.er-{run_id}"}
    platform.start("project", service, **own, **group)
    return url


def _sign(signing: str, admin: dict[str, str], doctor: dict[str, str], team_id: str, person: Resident) -> str:
    members = [{"member_id": "doc-1", "role": "family_doctor"}, {"member_id": "nurse-1", "role": "community_nurse"}]
    team = {"team_id": team_id, "name": "Team", "institution_id": "CHC-1", "resident_cap": 10, "members": members}
    _send(signing, "/teams", team | {"institution_kind": "community_health_centre", "area_code": "440106"}, admin, 201)
    resident = {"identity_number": person.identity, "name": person.name, "area_code": "440106"}
    body = {"resident": resident, "team_id": team_id, "packages": ["basic"]}
    return str(_send(signing, "/contracts", body, doctor, 201)["contract_id"])


def _keep_record(records: str, doctor: dict[str, str], person: Resident) -> None:
    base = f"/residents/{person.ref}/record"
    eventually(lambda: httpx.get(f"{records}{base}", headers=doctor).status_code == 200, 60)
    basic = {"name": person.name, "sex": "male", "birth_date": "1948-02-02", "identity_number": person.identity}
    basic |= {"phone": person.phone, "address": person.address, "emergency_contact": f"{person.name} {person.phone}"}
    _send(records, f"{base}/basic-information", basic, doctor, 200, "PUT")
    note = {"kind": "other", "summary": person.note, "occurred_on": "2026-01-01"}
    _send(records, f"{base}/recent-information", note, doctor, 201)


def _refer(referral: str, doctor: dict[str, str], hospital_id: str, person: Resident) -> str:
    body = {
        "patient": {"identity_number": person.identity, "name": person.name, "phone": person.phone},
        "hospital_id": hospital_id,
        "department": "cardiology",
        "reason": person.note,
        "clinical_summary": f"{person.name}, {person.address}",
    }

    def refer() -> Any:  # refused until referral has learnt of the contract
        answer = httpx.post(f"{referral}/referrals", json=body, headers=doctor | _key())
        return answer.json() if answer.status_code == 201 else None

    return str(eventually(refer, timeout=60)["referral_id"])


def _record(records: str, doctor: dict[str, str], person: Resident) -> dict[str, Any]:
    return _get(records, f"/residents/{person.ref}/record", doctor)


def _get(base: str, path: str, who: dict[str, str]) -> dict[str, Any]:
    answer = httpx.get(f"{base}{path}", headers=who)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
    return dict(answer.json())


def _send(base: str, path: str, body: Any, who: dict[str, str], expect: int = 200, method: str = "POST") -> Any:  # noqa: PLR0913
    answer = httpx.request(method, f"{base}{path}", json=body, headers=who | _key())
    assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json()


def _who(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}
