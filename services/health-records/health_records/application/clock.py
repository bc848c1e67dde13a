"""The local date a command happens on: where contract days and deadlines are reckoned."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from shared.commands import Session


def today(session: Session, zone: ZoneInfo) -> date:
    return session.context.now.astimezone(zone).date()
