"""The team's worklist of device readings: a reading out of the resident's target is an alert, and a
device's readings flagged implausible on one local day are one alert (counting them), for the team
in charge on the reading's day until a doctor of the team acknowledges it (reviewed: the resident
called, the cuff replaced). An acknowledgement is an event, so who closed an alert and when stays on
record, and withdrawing it reopens the alert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from health_records.domain.errors import AlertAlreadyAcknowledged, AlertNotAcknowledged

OUT_OF_TARGET, IMPLAUSIBLE = "out_of_target", "implausible"
_IDS = uuid.UUID("0b7c1f3e-5d7a-4c55-9a51-2f1f0d6a8e41")  # alert ids: a url-safe name of the reading


def alert_id(device_id: str, kind: str, measured_at: datetime) -> str:
    """The alert's id, the same every time the reading's events are replayed: one alert per reading."""
    return str(uuid.uuid5(_IDS, f"{device_id}:{kind}@{measured_at.isoformat()}"))


def flagged_alert_id(device_id: str, day: date) -> str:
    """The alert of a device's implausible readings of one local day: one however many it sends (a
    broken cuff posting a reading a minute is one thing to look at, not 1,440)."""
    return str(uuid.uuid5(_IDS, f"{device_id}:implausible@{day.isoformat()}"))


@dataclass(frozen=True)
class AlertAcknowledged:
    alert_id: str
    resident_ref: str
    team_id: str
    acknowledged_by: str
    acknowledged_at: datetime


@dataclass(frozen=True)
class AlertAcknowledgementWithdrawn:
    """An acknowledgement made by mistake: the alert is open again."""

    alert_id: str
    resident_ref: str
    team_id: str
    withdrawn_by: str
    withdrawn_at: datetime


def evolve(state: AlertAcknowledged | None, event: object) -> AlertAcknowledged | None:
    """An alert's acknowledgement: the standing one, if any."""
    if isinstance(event, AlertAcknowledged):
        return event
    if isinstance(event, AlertAcknowledgementWithdrawn):
        return None
    raise ValueError(f"{type(event).__name__} does not apply to an alert")


def acknowledge(state: AlertAcknowledged | None, acknowledged: AlertAcknowledged) -> AlertAcknowledged:
    if state is not None:
        raise AlertAlreadyAcknowledged(f"acknowledged by {state.acknowledged_by} at {state.acknowledged_at}")
    return acknowledged


def withdraw(state: AlertAcknowledged | None, by: str, at: datetime) -> AlertAcknowledgementWithdrawn:
    if state is None:
        raise AlertNotAcknowledged("the alert is open: there is no acknowledgement to withdraw")
    return AlertAcknowledgementWithdrawn(state.alert_id, state.resident_ref, state.team_id, by, at)
