"""Health records end to end: a contract signed over HTTP in signing → relayed to Kafka →
consumed by health records, which opens the record → visits recorded over HTTP → relayed as
`VisitCompleted`, carrying the pseudonymous ref and no personal identifier."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from shared.contracts import topics
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

BP = [{"kind": "systolic_bp", "value": 138, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 88, "unit": "mmHg"}]


def test_a_contract_signed_over_http_opens_a_record_whose_visits_reach_kafka_without_identifiers(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    signing = platform.start("serve", "signing", DATABASE_SCHEMA=f"signing_{run_id}")
    platform.start("relay", "signing", DATABASE_SCHEMA=f"signing_{run_id}")
    own = {"DATABASE_SCHEMA": f"health_records_{run_id}", "CONSUMER_GROUP": f"health_records.it-{run_id}"}
    records = platform.start("serve", "health-records", **own)
    platform.start("relay", "health-records", **own)
    platform.start("project", "health-records", **own)
    team_id, identity = f"T-{run_id}", with_check_digit(f"44010619500101{int(run_id, 16) % 1000:03d}")
    ref = resident_ref(identity, DEV_PSEUDONYM_KEY)
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', sub='doc-1', team=team_id)}"}
    _sign(signing, team_id, identity, mint_token)

    opened = eventually(lambda: _get(records, f"/residents/{ref}/record", doctor), timeout=60)
    assert opened["key_populations"] == ["elderly", "hypertension"]
    personal = {"name": "Li Hua", "sex": "female", "birth_date": "1950-01-01", "identity_number": identity}
    personal |= {"phone": "13800138000", "address": "12 Shipai Road"}
    _post(records, f"/residents/{ref}/record/basic-information", personal, doctor, "PUT", expect=200)
    visit = {"member_id": "doc-1", "place": "home", "fulfils": ["hypertension_follow_up"], "measurements": BP}
    # The team's roster comes on its own topic, in no order with the contract's: a member's visit
    # is refused (not-a-team-member, nothing recorded) until health records has it too.
    done = eventually(
        lambda: _visit_by_a_member(records, ref, visit | {"summary": "dizzy in the mornings"}, doctor), timeout=60
    )
    typo = _post(records, f"/residents/{ref}/visits", visit | {"measurements": [BP[0] | {"value": 900}, BP[1]]}, doctor)
    assert typo["type"] == "/problems/implausible-measurement"

    mine = read_topic(
        platform.kafka_client(),
        topics.HEALTH_SERVICES.name,
        lambda ms: any(m.key() == ref.encode() for m in ms),
        timeout=60,
    )
    [message] = [m for m in mine if m.key() == ref.encode()]
    envelope = json.loads(message.value())
    assert envelope["type"] == "health_records.VisitCompleted.v1"
    assert envelope["data"]["visit_id"] == done["visit_id"]
    assert (envelope["data"]["resident_ref"], envelope["data"]["team_id"]) == (ref, team_id)
    assert [m["kind"] for m in envelope["data"]["measurements"]] == ["systolic_bp", "diastolic_bp"]
    for secret in (identity, "13800138000", "12 Shipai Road", "Li Hua", "dizzy"):
        assert secret.encode() not in message.value(), f"{secret!r} left health records"
    fulfilment = eventually(lambda: _done(records, ref, doctor), timeout=60)
    assert fulfilment == 1


def _sign(signing: str | None, team_id: str, identity: str, mint_token: Callable[..., str]) -> None:
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    members = [{"member_id": "doc-1", "role": "family_doctor"}, {"member_id": "nurse-1", "role": "community_nurse"}]
    team = {
        "team_id": team_id,
        "name": "Team",
        "institution_id": "CHC-1",
        "institution_kind": "community_health_centre",
    }
    _post(signing, "/teams", team | {"area_code": "440106", "members": members, "resident_cap": 10}, admin)
    resident = {"identity_number": identity, "name": "Li Hua", "area_code": "440106"}
    contract = {"resident": resident | {"key_populations": ["elderly", "hypertension"]}, "team_id": team_id}
    _post(signing, "/contracts", contract | {"packages": ["basic", "hypertension"]}, admin)


def _post(  # noqa: PLR0913
    base: str | None, path: str, body: Any, who: dict[str, str], method: str = "POST", expect: int | None = None
) -> Any:
    answer = httpx.request(method, f"{base}{path}", json=body, headers=who | {"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == (expect or answer.status_code) and answer.status_code < 500, answer.text
    return answer.json()


def _visit_by_a_member(base: str | None, ref: str, visit: Any, who: dict[str, str]) -> Any:
    answer = _post(base, f"/residents/{ref}/visits", visit, who)
    return None if answer.get("type") == "/problems/not-a-team-member" else answer


def _get(base: str | None, path: str, who: dict[str, str]) -> Any:
    answer = httpx.get(f"{base}{path}", headers=who)
    return answer.json() if answer.status_code == 200 else None


def _done(records: str | None, ref: str, who: dict[str, str]) -> int:
    view = _get(records, f"/residents/{ref}/fulfilment", who)
    items = {i["item_code"]: i["done"] for i in view["items"]} if view else {}
    return items.get("hypertension_follow_up", 0)
