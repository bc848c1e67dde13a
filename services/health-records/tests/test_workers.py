"""The service's background workers on the real broker: signing's events become commands (once,
however often delivered), and the fulfilment view follows the service's log."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from health_records.adapters.projections.fulfilment import FulfilmentView
from health_records.application.streams import CARE, PLANS, RECORDS
from health_records.bootstrap import create_workers, engine_for, store_for
from health_records.settings import HealthRecordsSettings
from shared.contracts import topics
from shared.messaging import ensure_topics
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually, produce_raw

TEAM_FIXTURE, SIGNED_FIXTURE = "signing.TeamRegistered.v2", "signing.ContractSigned.v1"


def test_contracts_on_kafka_open_records_once_and_the_view_follows(
    settings: HealthRecordsSettings, kafka_client: dict[str, Any], signing_event: Callable[..., Any]
) -> None:
    golden = signing_event
    run = uuid.uuid4().hex[:8]
    settings = settings.model_copy(update={"consumer_group": f"health-records-{run}"})
    ref, team_id = resident_ref(f"4401061980010{run[:4]}", DEV_PSEUDONYM_KEY), f"T-{run}"
    team = golden(TEAM_FIXTURE, team_id=team_id)
    signed = golden(SIGNED_FIXTURE, resident_ref=ref, team_id=team_id, contract_id=f"c-{run}")
    ended = golden(
        "signing.ContractExpired.v1", resident_ref=ref, team_id=team_id, contract_id=f"c-{run}", last_day="2027-01-05"
    )
    ensure_topics(settings, [topics.CONTRACTS, topics.TEAMS])
    produce_raw(kafka_client, topics.TEAMS.name, [(team_id, team.envelope.encode())])
    produce_raw(
        kafka_client, topics.CONTRACTS.name, [(f"c-{run}", m.envelope.encode()) for m in (signed, signed, ended)]
    )
    stop = threading.Event()
    workers = [threading.Thread(target=w.run, args=(stop,)) for w in create_workers(settings)]
    for worker in workers:
        worker.start()
    store, view = store_for(settings), FulfilmentView(engine_for(settings))
    try:
        care: Any = eventually(lambda: _ended(store, ref))
        assert eventually(lambda: view.for_resident(ref, date(2026, 6, 1)))["contract_id"] == f"c-{run}"
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert [c.started.contract_id for c in care.contracts] == [f"c-{run}"], "delivered twice, noted once"
    assert [e.type for e in store.read(RECORDS.stream_id(ref))] == ["health_records.internal.RecordOpened.v1"]
    assert len(store.read(PLANS.stream_id(ref))) == 1
    store.close()
    view.engine.dispose()


def _ended(store: Any, ref: str) -> Any:
    care, _ = CARE.fold(store.read(CARE.stream_id(ref)))
    return care if care is not None and care.contracts[0].end_reason == "expired" else None
