"""A resident rates the team's service: ability, attitude, responsiveness, each 1 to 5.

Only a resident with an active or recent contract with the team may rate it, and once a
month at most, so that a handful of residents cannot swing a team's satisfaction figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from health_records.domain.care import Care, CareContract
from health_records.domain.care_events import Scores, ServiceRated
from health_records.domain.errors import InvalidScore, NoRecentContract, RatedRecently

RATE_AGAIN_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class Rating:
    rating_id: str
    team_id: str
    scores: Scores
    comment: str | None


def rate(care: Care, r: Rating, now: datetime, today: date, recent_days: int) -> ServiceRated:
    """`recent_days`: how long after its last day a contract still lets its resident rate."""
    if not all(1 <= s <= 5 for s in (r.scores.ability, r.scores.attitude, r.scores.responsiveness)):
        raise InvalidScore("each score is from 1 to 5")
    contract = _rateable(care, r.team_id, today, recent_days)
    last = max((x.rated_on for x in care.ratings if x.under.team_id == r.team_id), default=None)
    if last is not None and today - last < RATE_AGAIN_AFTER:
        raise RatedRecently(f"you rated this team on {last}; rate it again from {last + RATE_AGAIN_AFTER}")
    served = [v for v in care.visits if v.under.team_id == r.team_id]
    latest = max(served, key=lambda v: v.occurred_at, default=None)
    member = (latest.member_id, latest.member_role) if latest else (None, None)
    return ServiceRated(r.rating_id, contract.delivered(), r.scores, r.comment or None, now, today, *member)


def _rateable(care: Care, team_id: str, today: date, recent_days: int) -> CareContract:
    window = timedelta(days=recent_days)
    for c in reversed(care.contracts):
        if c.started.team_id == team_id and c.started.starts_on <= today <= c.last_day + window:
            return c
    raise NoRecentContract(f"only residents with an active or recent contract with team {team_id} may rate it")
