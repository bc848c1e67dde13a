"""A command that settles money on a period's inputs waits for them: refused with 409
inputs-not-caught-up (Retry-After) until billing's consumer groups have applied them
(`shared.messaging.positions`). The settlement close and the performance-pay distribution; and
which inputs each waits for (`close_inputs`, `pay_inputs`: the app's state)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from confluent_kafka import KafkaException

from billing.adapters.consumers import INPUTS
from billing.settings import BillingSettings
from shared.contracts import topics
from shared.messaging.positions import Inputs, Joined, KafkaInputs
from shared.web.problems import Problem


async def applied(inputs: Inputs, last_day: date, zone: ZoneInfo) -> None:
    """Every input event up to the end of `last_day` (billing's time zone) applied, or a 409."""
    period_end = datetime.combine(last_day + timedelta(days=1), time(), zone)
    try:
        behind = await asyncio.to_thread(inputs.behind, period_end)
    except KafkaException as unknown:
        detail = f"billing could not read how far it has applied its inputs ({unknown}); retry"
        raise Problem(503, "inputs-unknown", detail, {"Retry-After": "2"}) from unknown
    if behind:
        named = ", ".join(f"{p.topic}[{p.partition}] {p.applied} of {p.end}" for p in behind[:5])
        detail = f"billing has not applied every input up to {period_end.isoformat()} yet ({named}); retry"
        raise Problem(409, "inputs-not-caught-up", detail, {"Retry-After": "1"})


def close_inputs(
    settings: BillingSettings, contracts: str = topics.CONTRACTS.name, charged: Sequence[str] = INPUTS
) -> Joined:
    """What a close settles on: every input up to the period's end, contracts over both hops (the
    router past it on signing's topic, then the charging group on the re-keyed one, which the
    router fills in recorded order: a charge routed but not applied yet holds the close too)."""
    return Joined([_routed(settings, contracts), KafkaInputs(settings, settings.consumer_group, charged)])


def _routed(settings: BillingSettings, contracts: str = topics.CONTRACTS.name) -> KafkaInputs:
    return KafkaInputs(settings, settings.router_consumer_group, [contracts])


def pay_inputs(settings: BillingSettings) -> Joined:
    """What a year's performance pay settles on: the members' services and the contracts (its
    income, over both hops) up to the year's end; and every appraisal result billing was sent,
    since a year's results are published after it (a partition of them passes only drained)."""
    return Joined(
        [
            KafkaInputs(settings, settings.contributions_consumer_group, [topics.HEALTH_SERVICES.name]),
            _routed(settings),
            KafkaInputs(settings, settings.consumer_group, [topics.CONTRACT_CHARGES.name]),
        ],
        drained=[KafkaInputs(settings, settings.consumer_group, [topics.APPRAISAL_RESULTS.name])],
    )
