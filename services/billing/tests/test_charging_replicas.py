"""Two replicas of the charging group on the contracts re-keyed by institution: each owns
partitions, so whole institutions, and never meets the other on a ledger or a roster."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from billing.bootstrap import store_for
from billing.settings import BillingSettings
from shared.contracts import Envelope, topics
from shared.messaging import KafkaPublisher, Message, ensure_topics
from shared.testing.kafka import eventually

from .conftest import Billing
from .routing import Charging, account, running

INSTITUTIONS, EACH = 8, 6


def test_two_charging_replicas_charge_every_contract_exactly_once_without_a_conflict_storm(
    settings: BillingSettings,
) -> None:
    run = uuid.uuid4().hex[:8]
    target = topics.Topic(f"test.billing.contracts.{run}", key="institution_id", partitions=4)
    ensure_topics(settings, [target])
    group, stores = f"billing.inbound-{run}", [store_for(settings), store_for(settings)]
    replicas = [Charging(settings, store, group, target) for store in stores]
    signed = [_signed(f"{run}-{n}", f"CHC-{run}-{n % INSTITUTIONS}") for n in range(INSTITUTIONS * EACH)]
    conflicts = _conflicts()

    with running(*(r.subscription for r in replicas)):
        eventually(lambda: all(getattr(r.subscription, "owned", None) for r in replicas), 60)  # before there is any
        KafkaPublisher(settings).publish([Message(target.name, e.data["institution_id"], e.encode()) for e in signed])
        eventually(lambda: sum(r.applied for r in replicas) >= len(signed), 60)
    found = [account(stores[0], e.data["contract_id"]) for e in signed]
    for replica, store in zip(replicas, stores, strict=True):
        replica.close()
        store.close()

    assert all(r.applied > 0 for r in replicas), [r.applied for r in replicas]  # both took a share
    assert [len(a["years"]) for a in found] == [1] * len(signed)  # each contract charged, once
    assert all(a["refusals"] == [] for a in found)
    # Only a team's first resident of the year meets the other replica, on the year's index.
    assert _conflicts() - conflicts <= INSTITUTIONS, _conflicts() - conflicts


def _signed(contract_id: str, institution: str) -> Envelope:
    return Billing.signed(contract_id, institution_id=institution, team_id=f"T-{institution}")


def _conflicts() -> float:
    return REGISTRY.get_sample_value("fdcs_command_conflicts_total") or 0.0
