"""Referral learns from signing's events who is contracted with which team: a consumer on Kafka."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from referral.bootstrap import create_workers
from referral.settings import ReferralSettings
from shared.contracts import topics
from shared.testing.kafka import eventually, produce_raw

Api = Any  # the `api` fixture (conftest.Api)


def test_a_contract_signed_then_terminated_opens_then_closes_referrals(
    api: Api, team: str, service_settings: Callable[..., Any], kafka_client: dict[str, Any]
) -> None:
    settings: ReferralSettings = service_settings(
        ReferralSettings, consumer_group=f"referral-{uuid.uuid4().hex[:8]}", database_pool_size=1
    )
    consumer = create_workers(settings)[0]
    stop = threading.Event()
    worker = threading.Thread(target=consumer.run, args=(stop,))
    worker.start()
    try:
        signed = api.signed(7, team)
        produce_raw(kafka_client, topics.CONTRACTS.name, [(team, signed.envelope.encode())])
        assert eventually(lambda: api.refer(team, 7).status_code == 201)

        ended = api.contract_event(
            "signing.ContractTerminated.v1",
            contract_id=signed.event.contract_id,
            resident_ref=api.ref(7),
            team_id=team,
            last_day="2026-03-31",
        )
        produce_raw(kafka_client, topics.CONTRACTS.name, [(team, ended.envelope.encode())] * 2)  # redelivered
        assert eventually(lambda: api.refer(team, 7).status_code == 422)
    finally:
        stop.set()
        worker.join()
