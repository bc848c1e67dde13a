"""Health records' services, each credited to the team member who served: a visit or a
follow-up (a visit delivering a follow-up item), and a good rating of the member who last
served the resident. What performance pay is distributed by.

The event's id is both the command's idempotency key and the contribution's: a redelivered
event counts once. The year is the service's local one.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from billing.application.performance import PerformancePay
from billing.domain import performance_year as py
from shared.commands import CommandProcessor, Work
from shared.commands.inbound import context_for_event
from shared.contracts import health_records
from shared.messaging import Delivery

ACTOR = "billing"


class Contributions:
    def __init__(self, processor: CommandProcessor, zone: ZoneInfo) -> None:
        self._processor, self._zone = processor, zone

    def handle(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            work = self.command_for(delivery.envelope.id, delivery.event)
            if work is not None:
                envelope = delivery.envelope
                self._processor.execute_now(work, context_for_event(envelope, ACTOR, envelope.time))

    def command_for(self, event_id: str, event: object) -> Work | None:
        match event:
            case health_records.VisitCompleted() as e:
                on = e.occurred_at.astimezone(self._zone).date()
                member = py.MemberInTeamYear(e.member_id, e.member_role, e.institution_id, e.area_code)
                factor = py.credited_for(e.fulfils)
                return PerformancePay.credit(event_id, on.year, e.team_id, member, factor, on, e.resident_ref)
            case health_records.ServiceRated(member_id=str(member_id), member_role=str(role)) as e:
                if not py.good(e.ability, e.attitude, e.responsiveness):
                    return None
                on = e.rated_at.astimezone(self._zone).date()
                member = py.MemberInTeamYear(member_id, role, e.institution_id, e.area_code)
                return PerformancePay.credit(event_id, on.year, e.team_id, member, "good_ratings", on, e.resident_ref)
        return None
