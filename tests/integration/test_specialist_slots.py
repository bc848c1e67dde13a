"""An up-referral carries its booked specialist slot, end to end: a contract signed in signing;
the family doctor refers over HTTP in referral; the hospital opens a specialist source in health
records, where the doctor books a place for the referral; referral learns it from health records'
appointments topic, and the hospital sees the slot on its own Kafka topic, its HTTP feed and the
referral."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.contracts import topics
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

CHINA = ZoneInfo("Asia/Shanghai")
IDENTITY = with_check_digit("44010619560302123")


def test_a_place_booked_for_a_referral_reaches_the_hospital_on_its_topic_feed_and_referral(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    team_id, hospital_id = f"TS-{run_id}", f"H3-s-{run_id}"
    assert platform.broker is not None
    hospital_user = platform.broker.onboard("hospital", hospital_id)
    url = {}
    for service in ("signing", "health-records", "referral"):
        own = {"DATABASE_SCHEMA": f"{service.replace('-', '_')}_s_{run_id}"}
        url[service] = platform.start("serve", service, **own)
        platform.start("relay", service, **own)
        if service != "signing":
            platform.start("project", service, **own, CONSUMER_GROUP=f"{service.replace('-', '_')}.s-{run_id}")
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', sub='doc-1', team=team_id)}"}
    hospital = {"Authorization": f"Bearer {mint_token('hospital', hospital=hospital_id)}"}
    sign_up(url["signing"], admin, doctor, team_id)
    ref = resident_ref(IDENTITY, DEV_PSEUDONYM_KEY)

    def post(service: str, path: str, body: Any, who: dict[str, str], key: str) -> httpx.Response | None:
        answer = httpx.post(f"{url[service]}{path}", json=body, headers=who | {"Idempotency-Key": f"{key}-{run_id}"})
        return answer if answer.status_code == 201 else None  # refused until the contract is known

    issued = eventually(lambda: post("referral", "/referrals", referral_to(hospital_id), doctor, "refer"), 60).json()
    day = datetime.now(CHINA).date() + timedelta(days=3)
    source = {"clinic_id": "cardiology-1", "weekdays": [day.isoweekday()], "starts": "14:00", "ends": "15:00"}
    source |= {"slot_minutes": 20, "first_day": day.isoformat(), "last_day": day.isoformat()}
    assert post("health-records", f"/hospitals/{hospital_id}/sources", source, hospital, "source")
    slot = _at(day, 14)
    place = {"institution_id": hospital_id, "doctor_id": "cardiology-1", "starts_at": slot.isoformat()}
    place |= {"referral_id": issued["referral_id"]}
    booked = eventually(lambda: post("health-records", f"/residents/{ref}/appointments", place, doctor, "book"), 60)

    path = f"{url['referral']}/referrals/{issued['referral_id']}"
    carried = eventually(lambda: httpx.get(path, headers=hospital).json()["specialist_slot"], 60)
    received = read_topic(  # as the hospital reads: its own user, its own group
        platform.broker.client(hospital_user),
        topics.hospital(hospital_id).name,
        lambda ms: any(json.loads(m.value())["type"] == "referral.SpecialistSlotBooked.v1" for m in ms),
        group=hospital_user,
    )
    feed = httpx.get(f"{url['referral']}/hospitals/{hospital_id}/feed", headers=hospital).json()["items"]

    appointment_id = booked.json()["appointment_id"]
    assert carried["appointment_id"] == appointment_id
    assert datetime.fromisoformat(carried["starts_at"]) == slot
    [message] = [json.loads(m.value()) for m in received if b"SpecialistSlotBooked" in m.value()]
    assert message["data"]["appointment_id"] == appointment_id and message["data"]["doctor_id"] == "cardiology-1"
    assert IDENTITY not in json.dumps(message)
    assert [i["event"]["type"] for i in feed] == ["referral.ReferralIssued.v2", "referral.SpecialistSlotBooked.v1"]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), CHINA)


def sign_up(signing: str | None, admin: dict[str, str], doctor: dict[str, str], team_id: str) -> None:
    team = {"team_id": team_id, "name": "Team", "institution_id": "CHC-1"}
    team |= {"institution_kind": "community_health_centre"}
    team |= {"area_code": "440106", "members": [{"member_id": "doc-1", "role": "family_doctor"}], "resident_cap": 10}
    resident = {"identity_number": IDENTITY, "name": "Chen Jie", "area_code": "440106"}
    contract = {"resident": resident, "team_id": team_id, "packages": ["basic"]}
    for path, body, who in (("teams", team, admin), ("contracts", contract, doctor)):
        answer = httpx.post(f"{signing}/{path}", headers=who | {"Idempotency-Key": f"{path}-{team_id}"}, json=body)
        assert answer.status_code == 201, answer.text


def referral_to(hospital_id: str) -> dict[str, Any]:
    return {
        "patient": {"identity_number": IDENTITY, "name": "Chen Jie"},
        "hospital_id": hospital_id,
        "department": "cardiology",
        "priority": "urgent",
        "reason": "Chest pain on exertion",
        "clinical_summary": "ECG: ST depression in V4-V6.",
    }
