"""On the broker: signing's contract events (keyed by resident) re-keyed by institution by
billing's router, then charged by the charging group, whose replicas each own partitions. Each
test has topics and groups of its own, shaped as `fdcs.signing.contracts` and
`fdcs.billing.contracts` are."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from billing.adapters.http.inputs import close_inputs
from billing.bootstrap import contracts_router, store_for
from billing.settings import BillingSettings
from shared.contracts import Envelope, topics
from shared.messaging import KafkaPublisher, Message, ensure_topics
from shared.messaging.positions import EVER, KafkaInputs
from shared.testing.kafka import eventually, read_topic

from .conftest import Billing
from .routing import Charging, account, running

JANUARY = datetime(2026, 1, 20, 2, tzinfo=UTC)
FEBRUARY = datetime(2026, 1, 31, 16, tzinfo=UTC)  # 1 February at midnight in China: January's end


def _topics(settings: BillingSettings, partitions: int = 2) -> tuple[topics.Topic, topics.Topic]:
    run = uuid.uuid4().hex[:8]
    source = topics.Topic(f"test.contracts.{run}", key="resident_ref", partitions=partitions)
    target = topics.Topic(f"test.billing.contracts.{run}", key="institution_id", partitions=partitions)
    ensure_topics(settings, [source, target])
    return source, target


def _publish(settings: BillingSettings, topic: topics.Topic, *envelopes: Envelope) -> None:
    """As signing's relay does: keyed by the resident."""
    KafkaPublisher(settings).publish([Message(topic.name, e.data["resident_ref"], e.encode()) for e in envelopes])


def _routed(settings: BillingSettings, source: topics.Topic, target: topics.Topic) -> Any:
    return contracts_router(settings.model_copy(update={"router_consumer_group": _group("router")}), source, target)


def _group(what: str) -> str:
    return f"billing.{what}-{uuid.uuid4().hex[:8]}"


def _terminated(contract_id: str) -> Envelope:
    return Billing.event(
        "signing.ContractTerminated.v1", contract_id=contract_id, resident_ref=Billing.resident(contract_id)
    )


def test_a_contract_signed_then_terminated_reaches_its_ledger_in_order_through_the_router(
    settings: BillingSettings, kafka_client: dict[str, Any]
) -> None:
    source, target = _topics(settings)
    signed, ended = Billing.signed("c1"), _terminated("c1")
    _publish(settings, source, signed, ended)
    store = store_for(settings)
    charging = Charging(settings, store, _group("inbound"), target)

    with running(_routed(settings, source, target), charging.subscription):
        found = eventually(lambda: account(store, "c1")["ended"] and account(store, "c1"), 60)
    routed = read_topic(kafka_client, target.name, lambda ms: len(ms) >= 2)
    charging.close()
    store.close()

    assert found["refusals"] == [] and found["years"][0]["refunds"], found  # charged, then refunded: in order
    assert [(m.key().decode(), Envelope.decode(m.value()).id) for m in routed] == [
        ("CHC-440106-01", signed.id),
        ("CHC-440106-01", ended.id),
    ]  # the envelope unchanged (its id the idempotency key), keyed by the institution


def test_a_redelivered_contract_event_changes_nothing(settings: BillingSettings) -> None:
    source, target = _topics(settings)
    signed = Billing.signed("c2")
    _publish(settings, source, signed)
    store = store_for(settings)
    charging = Charging(settings, store, _group("inbound"), target)
    applied = KafkaInputs(settings, charging.group, [target.name])

    with running(_routed(settings, source, target), charging.subscription):
        first = eventually(lambda: account(store, "c2")["years"] and account(store, "c2"), 60)
        _publish(settings, source, signed)  # signing's relay sent it again
        with running(_routed(settings, source, target)):  # and a router replayed the topic from its start
            eventually(lambda: _ends(settings, target) == 4 and not applied.behind(EVER), 60)
    again = account(store, "c2")
    charging.close()
    store.close()

    assert again == first  # the same version: no event recorded for the copies


def _ends(settings: BillingSettings, topic: topics.Topic) -> int:
    return sum(p.end for p in KafkaInputs(settings, _group("probe"), [topic.name]).behind(EVER))


def test_the_close_waits_for_both_hops_the_router_then_the_charging_group(billing: Billing) -> None:
    settings: BillingSettings = billing.settings.model_copy(update={"consumer_group": _group("inbound")})
    settings = settings.model_copy(update={"router_consumer_group": _group("router")})
    source, target = _topics(settings)
    _publish(settings, source, Billing.signed("c3").model_copy(update={"time": JANUARY}))
    inputs = billing.client.app.state.inputs = close_inputs(settings, source.name, [target.name])  # type: ignore[attr-defined]

    router_lags = billing.close("2026-01", "2026-02-01", key="close-jan")
    with running(contracts_router(settings, source, target)):
        eventually(lambda: [p.topic for p in inputs.behind(FEBRUARY)] == [target.name], 60)
    charging_lags = billing.close("2026-01", "2026-02-01", key="close-jan")
    charging = Charging(settings, billing.store, settings.consumer_group, target)
    with running(charging.subscription):
        eventually(lambda: not inputs.behind(FEBRUARY), 60)
    closed = billing.close("2026-01", "2026-02-01", key="close-jan")
    charging.close()

    assert router_lags.status_code == 409 and f"{source.name}[" in router_lags.json()["detail"], router_lags.text
    assert charging_lags.status_code == 409 and f"{target.name}[" in charging_lags.json()["detail"]
    assert source.name not in charging_lags.json()["detail"]  # the router has passed January
    assert closed.status_code == 200 and closed.json()["settlements"] > 0, closed.text  # c3's charge settled
