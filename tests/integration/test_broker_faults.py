"""Durability on the real broker: stopped (SIGTERM) or killed (SIGKILL) in the middle of a stream
of signings, then restarted with its data. Nothing acknowledged is lost, the relay resumes, the
consumer resumes from its committed offsets, and the view ends as in the run without a fault.

A broker of this module's own (the session's is shared by every test) and the platform's real
processes on it: signing's API and relay, appraisal's projection and API.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition

from shared.contracts import topics
from shared.servers.broker import PlatformKafka, platform_kafka
from shared.testing.fixtures import services_environment
from shared.testing.kafka import eventually, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

AFTER = 15  # signings acknowledged before the fault, and again after the restart


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformKafka]:
    with platform_kafka(tmp_path_factory.mktemp("kafka-faults")) as broker:
        yield broker


@pytest.fixture(scope="module")
def urls(
    faulty: PlatformKafka, postgres_url: str, jwt_keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """signing (API and relay) and appraisal (projection and API) on the faulty broker."""
    environment = services_environment(postgres_url, faulty, jwt_keys)
    processes, run = Processes(environment, tmp_path_factory.mktemp("logs"), faulty), uuid.uuid4().hex[:8]
    signing, appraisal = {"DATABASE_SCHEMA": f"signing_{run}"}, {"DATABASE_SCHEMA": f"appraisal_{run}"}
    try:
        found = {"signing": processes.start("serve", "signing", **signing) or ""}
        processes.start("relay", "signing", **signing)
        found["appraisal"] = processes.start("serve", "appraisal", **appraisal) or ""
        found["group"] = f"appraisal.faults-{run}"
        processes.start("project", "appraisal", **appraisal, CONSUMER_GROUP=found["group"])
        yield found
    finally:
        processes.stop()


def caught_up(client: dict[str, Any], group: str) -> bool:
    """The group's committed offsets on the contracts topic are at its end."""
    consumer = Consumer(client | {"group.id": group, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topics.CONTRACTS.name, timeout=10).topics[topics.CONTRACTS.name].partitions
        committed = consumer.committed([TopicPartition(topics.CONTRACTS.name, p) for p in partitions], timeout=10)
        return all(max(c.offset, 0) == consumer.get_watermark_offsets(c, timeout=10)[1] for c in committed)
    finally:
        consumer.close()


@pytest.mark.parametrize("fault", ["none", "stop", "kill"])
def test_signings_survive_the_broker_stopped_or_killed_midway(
    fault: str, faulty: PlatformKafka, urls: dict[str, str], mint_token: Callable[..., str]
) -> None:
    team_id, year = f"T-{fault}-{uuid.uuid4().hex[:6]}", {"none": 1950, "stop": 1960, "kill": 1970}[fault]
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}
    doctor = {"Authorization": f"Bearer {mint_token('family_doctor', team=team_id)}"}
    team = {
        "team_id": team_id,
        "name": "Team",
        "institution_id": "CHC-1",
        "institution_kind": "community_health_centre",
    }
    members = [{"member_id": "doc-1", "role": "family_doctor"}]
    answer = httpx.post(
        f"{urls['signing']}/teams",
        headers=admin | {"Idempotency-Key": team_id},
        json=team | {"area_code": "440106", "members": members, "resident_cap": 1000},
    )
    assert answer.status_code == 201, answer.text

    acknowledged: list[str] = []  # contract ids of the 201s
    failed: list[str] = []
    done = threading.Event()

    def sign() -> None:
        with httpx.Client(base_url=urls["signing"], headers=doctor, timeout=30) as http:
            for serial in range(1000):
                if done.is_set():
                    return
                number = with_check_digit(f"440106{year}0101{serial:03d}")
                resident = {"identity_number": number, "name": "Resident", "area_code": "440106"}
                signed = http.post(
                    "/contracts",
                    headers={"Idempotency-Key": number},
                    json={"resident": resident, "team_id": team_id, "packages": ["basic"]},
                )
                if signed.status_code == 201:
                    acknowledged.append(signed.json()["contract_id"])
                else:
                    failed.append(f"{signed.status_code} {signed.text[:200]}")
                time.sleep(0.05)

    def counted() -> int:
        answer = httpx.get(f"{urls['appraisal']}/teams/{team_id}/contracts-signed", headers=doctor)
        return answer.json()["contracts_signed"] if answer.status_code == 200 else 0

    sender = threading.Thread(target=sign, name="signings")
    sender.start()
    try:
        eventually(lambda: len(acknowledged) >= AFTER, timeout=60)
        began = time.monotonic()
        if fault != "none":
            faulty.server.stop() if fault == "stop" else faulty.kill()
            time.sleep(2)
            faulty.restart()
        restarted, at_restart = time.monotonic(), len(acknowledged)
        eventually(lambda: counted() >= at_restart, timeout=120, interval=0.2)
        recovered = time.monotonic()
        eventually(lambda: len(acknowledged) >= at_restart + AFTER, timeout=60)
    finally:
        done.set()
        sender.join(60)
    assert not failed, f"the API refused or failed signings while the broker was away: {failed[:3]}"
    eventually(lambda: counted() >= len(acknowledged), timeout=120, interval=0.5)

    def theirs(messages: list[Any]) -> list[dict[str, Any]]:
        events = [json.loads(m.value()) for m in messages]
        return [e for e in events if e["data"].get("team_id") == team_id and e["type"] == "signing.ContractSigned.v1"]

    client = faulty.client()
    on_topic = theirs(
        read_topic(client, topics.CONTRACTS.name, lambda ms: len(theirs(ms)) >= len(acknowledged), timeout=60)
    )
    per_contract = Counter(e["data"]["contract_id"] for e in on_topic)
    assert set(per_contract) == set(acknowledged), "every acknowledged signing published, and only those"
    assert len({e["id"] for e in on_topic}) == len(per_contract), "a duplicate is the same event (same id) again"
    time.sleep(2)  # the projection had time to apply any duplicate late
    assert counted() == len(acknowledged), "each contract counted once"
    assert eventually(lambda: caught_up(client, urls["group"]), timeout=60), "the consumer committed up to the end"
    print(
        f"\n{fault}: {len(acknowledged)} acknowledged ({at_restart} before the restart), {len(on_topic)} on the "
        f"topic ({len(on_topic) - len(per_contract)} duplicates), view {counted()}; broker away "
        f"{restarted - began:.1f} s, all acknowledged until then in the view {recovered - restarted:.1f} s later"
    )
