"""The consumer on the real broker: a claims source that appeared after billing was written
(any `fdcs.claims.<id>`) is read by the pattern subscription, its id from the topic."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from billing.application.streams import RESIDENTS
from billing.bootstrap import create_workers, engine_for, store_for
from billing.settings import Settings
from shared.contracts import topics
from shared.messaging import KafkaPublisher, Message, ensure_topics
from shared.testing.kafka import eventually

from .conftest import event, resident


def test_a_new_claims_sources_topic_is_read_by_the_pattern(service_settings: Callable[..., Any]) -> None:
    run = uuid.uuid4().hex[:8]
    settings: Settings = service_settings(Settings, consumer_group=f"billing.inbound-{run}")
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
