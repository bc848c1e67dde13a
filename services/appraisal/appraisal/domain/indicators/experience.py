"""What residents experience: referral timeliness, satisfaction, long prescriptions, family sickbeds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from appraisal.domain.cases import Case, counted, excluded, met, missed
from appraisal.domain.facts import Facts, RatingFact, ReferralStep
from appraisal.domain.periods import Window


def referral_timeliness(facts: Facts, window: Window, p: Mapping[str, Any]) -> list[Case]:
    """Referrals issued in the period that the hospital accepted within the target for their priority."""
    steps: dict[str, list[ReferralStep]] = defaultdict(list)
    for step in facts.referrals:
        steps[step.referral_id].append(step)
    cases = []
    for referral_id in sorted(steps):
        life = sorted(steps[referral_id], key=lambda s: (s.at, s.step))
        if window.within(life[0].issued_at):
            cases.append(_timeliness(referral_id, life, window.as_of, p["target_hours"]))
    return cases


def _timeliness(referral_id: str, life: list[ReferralStep], as_of: datetime, targets: Mapping[str, int]) -> Case:
    first, did = life[0], {s.step: s for s in reversed(life)}  # the earliest of each step
    priority = next((s.priority for s in life if s.step == "issued" and s.priority), "routine")
    hours = int(targets[priority])
    args = (first.where, first.resident_ref, referral_id)
    if "accepted" in did:
        took = _hours(did["accepted"].at - first.issued_at)
        outcome = met if did["accepted"].at <= first.issued_at + timedelta(hours=hours) else missed
        return outcome(*args, f"{priority}: accepted after {took} h, target {hours} h")
    if "cancelled" in did:
        return excluded(*args, f"{priority}: cancelled before the hospital answered")
    for end in ("declined", "expired"):
        if end in did:
            return missed(*args, f"{priority}: {end} without acceptance, target {hours} h")
    if first.issued_at + timedelta(hours=hours) > as_of:
        return excluded(*args, f"{priority}: pending, its {hours} h target had not passed by the as-of time")
    return missed(*args, f"{priority}: not accepted within {hours} h")


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f}"


def satisfaction(facts: Facts, window: Window, p: Mapping[str, Any]) -> list[Case]:
    """Ratings in the period whose mean of ability, attitude and responsiveness is at least `good_from`;
    only each resident's last rating of a team counts, so a few residents cannot outweigh the rest."""
    good_from = int(p["good_from"])
    rated = sorted((r for r in facts.ratings if window.within(r.rated_at)), key=lambda r: (r.rated_at, r.rating_id))
    last = {(r.resident_ref, r.where.team_id): r for r in rated}
    cases = []
    for r in rated:
        args = (r.where, r.resident_ref, r.rating_id)
        latest = last[(r.resident_ref, r.where.team_id)]
        if latest is not r:
            cases.append(excluded(*args, f"superseded by the resident's later rating {latest.rating_id}"))
            continue
        total = r.ability + r.attitude + r.responsiveness
        outcome = met if total >= 3 * good_from else missed
        cases.append(outcome(*args, f"mean {_mean(r)} ({r.ability}, {r.attitude}, {r.responsiveness})"))
    return cases


def _mean(r: RatingFact) -> str:
    return f"{(r.ability + r.attitude + r.responsiveness) / 3:.2f}"


def long_prescriptions(facts: Facts, window: Window, _: Mapping[str, Any]) -> list[Case]:
    return _care(facts, window, "long_prescription", "long prescription issued")


def family_sickbeds(facts: Facts, window: Window, _: Mapping[str, Any]) -> list[Case]:
    return _care(facts, window, "sickbed_admitted", "family sickbed opened")


def _care(facts: Facts, window: Window, kind: str, what: str) -> list[Case]:
    return [
        counted(f.where, f.resident_ref, f.ref, f"{what} on {f.on}")
        for f in sorted(facts.care, key=lambda f: f.ref)
        if f.kind == kind and window.period.first <= f.on <= window.last_seen
    ]
