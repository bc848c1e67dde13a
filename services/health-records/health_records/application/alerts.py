"""Handlers of the team's worklist of device alerts: acknowledging an alert, and withdrawing that.

The worklist itself is a read model (`adapters/projections/reading_alerts.py`); whether an alert
is acknowledged is decided here on the alert's own stream, so two doctors acknowledging the same
alert at once record one acknowledgement and the other is told (409).
"""

from __future__ import annotations

from typing import Any

from health_records.application import access
from health_records.application.commands import AcknowledgeAlert
from health_records.application.streams import ALERTS
from health_records.domain import alerts
from shared.commands import Session, Work
from shared.principal import Principal


def acknowledge(who: Principal, command: AcknowledgeAlert) -> Work:
    access.may_work_on_alerts(who, command.team_id)
    key = command.alert_id

    def handle(session: Session) -> dict[str, Any]:
        state, now = session.load(ALERTS, key).state, session.context.now
        if command.withdraw:
            session.record(ALERTS, key, alerts.withdraw(state, who.subject, now))
            return {"alert_id": key, "status": "open", "acknowledged_by": None, "acknowledged_at": None}
        acknowledged = alerts.AlertAcknowledged(key, command.resident_ref, command.team_id, who.subject, now)
        session.record(ALERTS, key, alerts.acknowledge(state, acknowledged))
        return {
            "alert_id": key,
            "status": "acknowledged",
            "acknowledged_by": who.subject,
            "acknowledged_at": now.isoformat(),
        }

    return Work(handle, reads=[(ALERTS, key)])
