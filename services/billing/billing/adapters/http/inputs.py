"""A command that settles money on a period's inputs waits for them: refused with 409
inputs-not-caught-up (Retry-After) until billing's consumer groups have applied them
(`shared.messaging.positions`). The settlement close and the performance-pay distribution."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from confluent_kafka import KafkaException

from shared.messaging.positions import Inputs
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
