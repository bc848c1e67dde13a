"""The consumers on the real broker: a claims source that appeared after billing was written
(any `fdcs.claims.<id>`) is read by the pattern subscription, its id from the topic; health
records' services are read by a group of their own."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from billing.application.streams import MEMBER_YEARS, RESIDENTS
from billing.bootstrap import create_workers, engine_for, store_for
from billing.domain import performance_year as py
from billing.settings import BillingSettings
from shared.contracts import topics
from shared.messaging import KafkaPublisher, Message, ensure_topics
from shared.testing.kafka import eventually

from .conftest import event, resident


def test_a_new_claims_sources_topic_is_read_by_the_pattern(service_settings: Callable[..., Any]) -> None:
    run = uuid.uuid4().hex[:8]
    settings: BillingSettings = service_settings(BillingSettings, consumer_group=f"billing.inbound-{run}")
    source = topics.claims(f"src{run}")
    ensure_topics(settings, [topics.CONTRACTS, topics.APPRAISAL_RESULTS, topics.REFERRALS, source])
    claim = event("claims.ClaimRecorded.v1", resident_ref=resident(run), claim_id="clm-1")
    KafkaPublisher(settings).publish([Message(source.name, resident(run), claim.encode())])
    store, engine = store_for(settings), engine_for(settings)
    worker, stop = create_workers(settings, store, engine)[0], threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        noted = eventually(lambda: RESIDENTS.fold(store.read(RESIDENTS.stream_id(resident(run))))[0].claims, 60)
    finally:
        stop.set()
        thread.join()
        store.close()
        engine.dispose()

    assert list(noted) == [f"src{run}/clm-1"]


def test_health_records_services_are_credited_to_their_members_by_their_own_group(
    service_settings: Callable[..., Any],
) -> None:
    run = uuid.uuid4().hex[:8]
    settings: BillingSettings = service_settings(
        BillingSettings, contributions_consumer_group=f"billing.contributions-{run}"
    )
    ensure_topics(settings, [topics.HEALTH_SERVICES])
    team = f"T-{run}"
    visit = event("health_records.VisitCompleted.v1", team_id=team, member_id="doc-1", resident_ref=resident(run))
    message = Message(topics.HEALTH_SERVICES.name, resident(run), visit.encode())
    KafkaPublisher(settings).publish([message, message])  # redelivered: credited once
    store, engine = store_for(settings), engine_for(settings)
    worker, stop = create_workers(settings, store, engine)[2], threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        key = py.member_key(2026, team, "doc-1")
        credited = eventually(lambda: MEMBER_YEARS.fold(store.read(MEMBER_YEARS.stream_id(key)))[0].credited, 60)
    finally:
        stop.set()
        thread.join()
        store.close()
        engine.dispose()

    assert [(c.event_id, c.factor) for c in credited.values()] == [(str(visit.id), "follow_ups")]
