"""The platform's bounds on what callers send: dates a business fact can have, positions a
feed can reach, periods that exist. Checked once here, so a year 1, a year 9999 or a cursor
past 2^63 is a 422 at the door instead of an overflow deep in a service."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime

EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)
LAST_POSITION = 2**63 - 1  # a PostgreSQL bigint

Position = Annotated[int, Ge(0), Le(LAST_POSITION)]
"""A feed cursor: a position in a log."""

BusinessDate = Annotated[date, Ge(EARLIEST), Le(LATEST)]
"""A day a contract, a job or a period can fall on (a birth date is not one)."""


def _within(moment: AwareDatetime) -> AwareDatetime:
    if not EARLIEST <= moment.date() <= LATEST:
        raise ValueError(f"must fall from {EARLIEST} to {LATEST}")
    return moment


BusinessMoment = Annotated[AwareDatetime, AfterValidator(_within)]

YEAR = r"2[01]\d\d"
MONTH = r"(0[1-9]|1[0-2])"
YEAR_OR_MONTH = rf"^{YEAR}(-{MONTH})?$"
"""A settlement period: 2026, or 2026-03."""
MONTH_ONLY = rf"^{YEAR}-{MONTH}$"
YEAR_OR_PART = rf"^{YEAR}(-(H[12]|Q[1-4]))?$"
"""An appraisal period: 2026, 2026-H1, 2026-Q3."""
