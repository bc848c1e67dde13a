"""When the scheduler books the capitation advances and reconciles the years (issue 19's payment
schedule, monthly advances).

A month's advance once the month is over and its grace has passed: the contracts signed in it
have reached billing by then, so the month's budget is whole (billing accepts it from the month's
first day; paid then, a resident contracted later in the month would wait for the year's end). A
year's reconciliation once the year and its grace are over, and after the year's advances, which
it nets. Every period from the first the installation covers is listed, not only the latest: a
missed run is caught up by the next, and a period done already costs a replay, since each call's
idempotency key is its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from billing.domain.advances import MONTHS, last_day


@dataclass(frozen=True)
class Step:
    """One call of the job: a month's advance, or a year's reconciliation (`month` None)."""

    kind: Literal["advance", "reconciliation"]
    year: int
    month: int | None = None

    @property
    def path(self) -> str:
        if self.month is None:
            return f"/capitation-years/{self.year}/reconciliation"
        return f"/capitation-years/{self.year}/advances/{self.month}"

    @property
    def idempotency_key(self) -> str:
        """The period itself: a rerun replays the first outcome (a later restatement of a year,
        after late claims, is an administrator's call with a key of their own)."""
        if self.month is None:
            return f"capitation-reconciliation-{self.year}"
        return f"capitation-advance-{self.year}-{self.month:02d}"


def due(since: date, today: date, advance_grace: timedelta, reconciliation_grace: timedelta) -> list[Step]:
    """The calls due on `today`, oldest first, a year's advances before its reconciliation; from
    the month of `since` (the first the installation advances)."""
    steps: list[Step] = []
    for year in range(since.year, today.year + 1):
        first = since.month if year == since.year else 1
        months = [m for m in MONTHS if m >= first and _over(last_day(year, m), advance_grace, today)]
        steps += [Step("advance", year, m) for m in months]
        every_month = months and months[-1] == MONTHS[-1]  # the year's advances come first: it nets them
        if every_month and _over(date(year, 12, 31), reconciliation_grace, today):
            steps.append(Step("reconciliation", year))
    return steps


def _over(last: date, grace: timedelta, today: date) -> bool:
    return last + grace < today
