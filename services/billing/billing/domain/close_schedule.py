"""Which settlement period the scheduler closes on a day: the latest one over, and its grace
(its contract events and claims reach billing late, and billing waits only for what is on Kafka).

A close settles every open period up to the one named, so one call catches up every period a
missed run left; the period is its idempotency key, so a rerun on the same day replays it.
"""

from __future__ import annotations

from datetime import date, timedelta

from billing.domain.periods import Calendar


def to_close(calendar: Calendar, today: date, grace: timedelta) -> str:
    """The latest period whose last day and grace are over on `today`."""
    return calendar.last_over(today - grace)


def idempotency_key(period: str) -> str:
    return f"settlement-close-{period}"
