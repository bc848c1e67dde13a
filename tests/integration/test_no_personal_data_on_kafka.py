"""No personal data leaves a service on Kafka, whatever people write.

A name, a phone number and an identity number are planted in every free-text field of
every command the platform takes over HTTP (signing, health records, referral), the real
processes run them, and then every message of every platform and partner topic, the
hospital's HTTP feed and every process log are searched for them: none may hold any, nor the
residents' own identities, names and phones. Appraisal's restatement reason, the one text an
official writes, is checked beside its publication (services/appraisal/tests)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.contracts import topics
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually, read_everything, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

BP = [{"kind": "systolic_bp", "value": 138, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 88, "unit": "mmHg"}]
NAME = "Zhang Sanfeng"


class Planted:
    """The run's people: the resident, two members of a community agreement, and someone
    else whom doctors mention in what they write (the text planted in every field)."""

    def __init__(self, run_id: str) -> None:
        n = int(run_id, 16) % 1000
        self.identity = with_check_digit(f"44010619500101{n:03d}")
        self.members = [with_check_digit(f"4401061980010{k}{n:03d}") for k in (1, 2)]
        self.phone, self.other_phone = f"139{n:03d}{n:05d}", f"137{n:05d}{n:03d}"
        self.other_identity = with_check_digit(f"11010519800202{n:03d}")
        self.text = f"{NAME} {self.other_phone} {self.other_identity}"
        self.ref = resident_ref(self.identity, DEV_PSEUDONYM_KEY)

    def secrets(self) -> list[str]:
        return [NAME, self.phone, self.other_phone, self.identity, self.other_identity, *self.members]


def test_no_name_phone_or_identity_written_anywhere_reaches_kafka_a_feed_or_a_log(
    platform: Processes, run_id: str, mint_token: Callable[..., str]
) -> None:
    people, team_id, hospital_id = Planted(run_id), f"TP-{run_id}", f"H3-pd{run_id}"
    assert platform.broker is not None
    platform.broker.onboard("hospital", hospital_id)
    urls = _start(platform, run_id)
    tokens = {
        "admin": mint_token("admin"),
        "doctor": mint_token("family_doctor", sub="doc-1", team=team_id),
        "resident": mint_token("resident", resident=people.ref),
        "hospital": mint_token("hospital", hospital=hospital_id),
    }
    who = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}

    contracts = _sign(urls["signing"], who, team_id, people)
    _keep_records(urls["health-records"], who, team_id, people)
    referrals = _refer(urls["referral"], who, hospital_id, people)
    _wait_until_relayed(platform, team_id, contracts, people.ref, referrals)

    everything = read_everything(platform.kafka_client())
    feed = eventually(lambda: _feed(urls["referral"], hospital_id, who["hospital"]), timeout=60)
    leaks = {
        f"{topic} #{n}": [s for s in people.secrets() if s.encode() in message]
        for topic, messages in everything.items()
        for n, message in enumerate(messages)
    }
    leaks |= {f"hospital feed of {hospital_id}": [s for s in people.secrets() if s in feed]}
    leaks |= {f"log {name}": [s for s in people.secrets() if s in text] for name, text in platform.logs().items()}

    assert len(everything[topics.hospital(hospital_id).name]) == 9, "the scan read the run's messages"
    assert {where: found for where, found in leaks.items() if found} == {}
    assert _not_json_lines(platform.logs()) == {}, "every process logs JSON lines a pipeline can index"


def _not_json_lines(logs: dict[str, str]) -> dict[str, list[str]]:
    def is_json_line(line: str) -> bool:
        try:
            return {"time", "level", "service", "message"} <= json.loads(line).keys()
        except ValueError:
            return False

    return {name: odd for name, text in logs.items() if (odd := [x for x in text.splitlines() if not is_json_line(x)])}


def _start(platform: Processes, run_id: str) -> dict[str, str]:
    urls = {}
    for service in ("signing", "health-records", "referral"):
        own = {"DATABASE_SCHEMA": f"{service.replace('-', '_')}_pd_{run_id}"}
        url = platform.start("serve", service, **own)
        assert url is not None
        urls[service] = url
        platform.start("relay", service, **own)
        if service != "signing":
            group = f"{service.replace('-', '_')}.pd-{run_id}"
            platform.start("project", service, **own, CONSUMER_GROUP=group)
    return urls


def _sign(signing: str, who: dict[str, Any], team_id: str, people: Planted) -> list[str]:
    """A team named with the text, the resident's contract, a community agreement named with
    it too, and one of its contracts terminated: the contract ids."""
    members = [{"member_id": "doc-1", "role": "family_doctor"}, {"member_id": "nurse-1", "role": "community_nurse"}]
    team = {"team_id": team_id, "name": people.text, "institution_id": "CHC-1", "resident_cap": 10}
    team |= {"institution_kind": "community_health_centre", "area_code": "440106", "members": members}
    _send(signing, "/teams", team, who["admin"], expect=201)
    resident = {"identity_number": people.identity, "name": NAME, "area_code": "440106"}
    resident |= {"key_populations": ["hypertension"]}
    contract = {"resident": resident, "team_id": team_id, "packages": ["basic", "hypertension"]}
    signed = _send(signing, "/contracts", contract, who["doctor"], expect=201)
    community = [
        {"resident": {"identity_number": i, "name": people.text, "area_code": "440106"}} for i in people.members
    ]
    agreement = {"kind": "community", "team_id": team_id, "packages": ["basic"], "members": community}
    agreement |= {"community": {"name": people.text, "kind": "employer"}}
    concluded = _send(signing, "/agreements", agreement, who["doctor"], expect=201)
    leaving = concluded["contracts"][0]["contract_id"]
    _send(signing, f"/contracts/{leaving}/termination", {"reason": "moved_away"}, who["doctor"], expect=200)
    return [signed["contract_id"], *(c["contract_id"] for c in concluded["contracts"])]


def _keep_records(records: str, who: dict[str, Any], team_id: str, people: Planted) -> None:
    """Every free-text field of the record, the plan and the services, once the record is open."""
    base = f"/residents/{people.ref}"
    eventually(lambda: httpx.get(f"{records}{base}/plan", headers=who["doctor"]).status_code == 200, timeout=60)
    basic = {"name": NAME, "sex": "male", "birth_date": "1950-01-01", "identity_number": people.identity}
    basic |= {"phone": people.phone, "address": people.text, "emergency_contact": people.text}
    _send(records, f"{base}/record/basic-information", basic, who["doctor"], "PUT", expect=200)
    amendments = {
        "conditions": {"code": "I10", "name": people.text, "diagnosed_on": "2019-03-01"},
        "allergies": {"substance": people.text, "reaction": people.text, "severity": "mild"},
        "family-history": {"relative": "father", "code": "E11", "name": people.text},
        "recent-information": {"kind": "other", "summary": people.text, "occurred_on": "2025-01-01"},
    }
    for path, body in amendments.items():
        _send(records, f"{base}/record/{path}", body, who["doctor"], expect=201)
    plan = httpx.get(f"{records}{base}/plan", headers=who["doctor"]).json()
    keys = ("item_code", "times_per_year", "measurements")
    services = [{k: s[k] for k in keys} for s in plan["services"]]
    _send(records, f"{base}/plan", {"services": services, "reason": people.text}, who["doctor"], "PUT", expect=200)
    visit = {"member_id": "doc-1", "place": "home", "fulfils": ["hypertension_follow_up"], "measurements": BP}
    _send(records, f"{base}/visits", visit | {"summary": people.text}, who["doctor"], expect=201)
    prescription = {"member_id": "doc-1", "condition": "hypertension", "days": 56, "medicines": [people.text]}
    _send(records, f"{base}/long-prescriptions", prescription, who["doctor"], expect=201)
    bed = _send(records, f"{base}/sickbeds", {"reason": people.text}, who["doctor"], expect=201)
    _send(records, f"{base}/sickbeds/{bed['sickbed_id']}/discharge", {}, who["doctor"], expect=200)
    rating = {"ability": 5, "attitude": 5, "responsiveness": 4, "comment": people.text}
    _send(records, f"{base}/ratings", rating | {"team_id": team_id}, who["resident"], expect=201)


def _refer(referral: str, who: dict[str, Any], hospital_id: str, people: Planted) -> list[str]:
    """Three referrals: one to its end and back down, one declined, one cancelled."""
    body = {
        "patient": {"identity_number": people.identity, "name": NAME, "phone": people.phone},
        "hospital_id": hospital_id,
        "department": people.text,
        "reason": people.text,
        "clinical_summary": people.text,
    }

    def refer() -> Any:  # refused until referral has learnt of the contract
        answer = httpx.post(f"{referral}/referrals", json=body, headers=who["doctor"] | _key())
        return answer.json() if answer.status_code == 201 else None

    ids = [eventually(refer, timeout=60)["referral_id"] for _ in range(3)]
    appointment = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    steps = [
        (ids[0], "accept", {"appointment_at": appointment, "department": people.text, "doctor": people.text}),
        (ids[0], "complete", {"summary_kind": "consultation", "summary": people.text}),
        (ids[0], "down-refer", {"purpose": "follow_up", "instructions": people.text}),
        (ids[1], "decline", {"reason": people.text}),
    ]
    for referral_id, step, step_body in steps:
        _send(referral, f"/referrals/{referral_id}/{step}", step_body, who["hospital"], expect=200)
    _send(referral, f"/referrals/{ids[0]}/acknowledge-down-referral", None, who["doctor"], expect=200)
    _send(referral, f"/referrals/{ids[2]}/cancel", {"reason": people.text}, who["doctor"], expect=200)
    return ids


def _wait_until_relayed(
    platform: Processes, team_id: str, contracts: list[str], ref: str, referrals: list[str]
) -> None:
    """Every event of the run is on its topic (then the scan reads each topic to its end)."""
    expected = {
        topics.TEAMS.name: ({team_id}, 1),
        topics.CONTRACTS.name: (set(contracts), 4),  # three signed, one terminated
        topics.HEALTH_SERVICES.name: ({ref}, 5),  # visit, prescription, admission, discharge, rating
        topics.REFERRALS.name: (set(referrals), 9),
    }
    for topic, (keys, count) in expected.items():
        read_topic(
            platform.kafka_client(),
            topic,
            lambda ms, keys=keys, count=count: sum(_subject(m) in keys for m in ms) >= count,  # type: ignore[misc]
            timeout=60,
        )


def _subject(message: Any) -> str | None:
    """What an event is about (its contract, referral, team or resident): keys are the residents'."""
    subject: str | None = json.loads(message.value()).get("subject")
    return subject


def _feed(referral: str, hospital_id: str, hospital: dict[str, str]) -> str | None:
    """The hospital's HTTP feed once the projection has put all nine events in it."""
    answer = httpx.get(f"{referral}/hospitals/{hospital_id}/feed", headers=hospital)
    return answer.text if len(answer.json()["items"]) == 9 else None


def _send(base: str, path: str, body: Any, who: dict[str, str], method: str = "POST", expect: int = 200) -> Any:  # noqa: PLR0913
    answer = httpx.request(method, f"{base}{path}", json=body, headers=who | _key())
    assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json()


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}
