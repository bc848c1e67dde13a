"""What residents experience: referral timeliness, satisfaction, long prescriptions, family sickbeds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.cases import Case, counted, excluded, met, missed
from appraisal.domain.facts import Facts, RatingFact, ReferralStep
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.periods import Period, local_day


def referral_timeliness(seen: Seen, p: Mapping[str, Any]) -> list[Case]:
    """Referrals issued in the period that the hospital accepted within the target for their priority."""
    targets = p["target_hours"]
    return [_timeliness(referral_id, life, seen.window.as_of, targets) for referral_id, life in lives(seen).items()]


def timeliness_turns(seen: Seen, p: Mapping[str, Any]) -> datetime | None:
    """When the next pending referral's target passes: from then it counts as missed, with no new fact."""
    targets, as_of = p["target_hours"], seen.window.as_of
    deadlines = [
        life[0].issued_at + timedelta(hours=_target(life, targets)[1])
        for life in lives(seen).values()
        if not {s.step for s in life} & _ANSWERED
    ]
    return min((d for d in deadlines if d > as_of), default=None)


_ANSWERED = {"accepted", "cancelled", "declined", "expired"}


def timeliness_steps(facts: Facts, ahead: Ahead, p: Mapping[str, Any]) -> list[Step]:
    """referral_timeliness's cases from an as-of on, without the drill-down's words: an answered
    referral's case is the same at every as-of; a pending one's is excluded until its target
    passes (`timeliness_turns`), then missed."""
    targets = p["target_hours"]
    out: list[Step] = []
    for life in _lives(facts.referrals, ahead.period, ahead.zone).values():
        first, did = life[0], {s.step for s in life}
        hours = _target(life, targets)[1]
        deadline = first.issued_at + timedelta(hours=hours)
        if any(s.at < s.issued_at for s in life) or ("cancelled" in did and "accepted" not in did):
            continue  # excluded: counts nothing
        if "accepted" in did:
            accepted = next(s for s in life if s.step == "accepted")  # the earliest: a life is in order
            out.append((ahead.since, first.where, (), int(accepted.at <= deadline), 1))
        elif did & {"declined", "expired"} or deadline <= ahead.since:
            out.append((ahead.since, first.where, (), 0, 1))
        else:
            out.append((deadline, first.where, (), 0, 1))  # missed once the target passes
    return out


def lives(seen: Seen) -> dict[str, list[ReferralStep]]:
    """Each referral issued in the period, with the steps known of it in the order they happened."""
    return _lives(seen.facts.referrals, seen.window.period, seen.window.zone)


def _lives(referrals: Iterable[ReferralStep], period: Period, zone: tzinfo) -> dict[str, list[ReferralStep]]:
    steps: dict[str, list[ReferralStep]] = defaultdict(list)
    for step in referrals:
        steps[step.referral_id].append(step)
    ordered = {r: sorted(steps[r], key=lambda s: (s.at, s.step)) for r in sorted(steps)}
    return {r: life for r, life in ordered.items() if period.first <= local_day(life[0].issued_at, zone) <= period.last}


def _target(life: list[ReferralStep], targets: Mapping[str, int]) -> tuple[str, int]:
    priority = next((s.priority for s in life if s.step == "issued" and s.priority), "routine")
    return priority, int(targets[priority])


def _timeliness(referral_id: str, life: list[ReferralStep], as_of: datetime, targets: Mapping[str, int]) -> Case:
    first, did = life[0], {s.step: s for s in reversed(life)}  # the earliest of each step
    priority, hours = _target(life, targets)
    args = (first.where, first.resident_ref, referral_id)
    if early := [s.step for s in life if s.at < s.issued_at]:  # the referral service now refuses these
        # A negative duration is a data error, not a fast answer: neither met nor missed.
        return excluded(*args, f"{priority}: {early[0]} before it was issued, an impossible time")
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


def satisfaction(seen: Seen, p: Mapping[str, Any]) -> list[Case]:
    """Ratings in the period whose mean of ability, attitude and responsiveness is at least `good_from`;
    only each resident's last rating of a team counts, so a few residents cannot outweigh the rest."""
    good_from = int(p["good_from"])
    rated, last = _rated(seen.facts.ratings, seen.window.period, seen.window.zone)
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


def satisfaction_steps(facts: Facts, ahead: Ahead, p: Mapping[str, Any]) -> list[Step]:
    """satisfaction's cases from an as-of on, the same at every later one, without the drill-down's
    words (a superseded rating is excluded: it counts nothing)."""
    good_from = int(p["good_from"])
    out: list[Step] = []
    rated, last = _rated(facts.ratings, ahead.period, ahead.zone)
    for r in rated:
        if last[(r.resident_ref, r.where.team_id)] is r:
            ahead.holds(out, r.where, (), int(r.ability + r.attitude + r.responsiveness >= 3 * good_from), 1)
    return out


def _rated(
    ratings: Iterable[RatingFact], period: Period, zone: tzinfo
) -> tuple[list[RatingFact], dict[tuple[str, str], RatingFact]]:
    """The ratings of the period's days, in the order given, and each resident's last of each team."""
    rated = sorted(
        (r for r in ratings if period.first <= local_day(r.rated_at, zone) <= period.last),
        key=lambda r: (r.rated_at, r.rating_id),
    )
    return rated, {(r.resident_ref, r.where.team_id): r for r in rated}


def _mean(r: RatingFact) -> str:
    return f"{(r.ability + r.attitude + r.responsiveness) / 3:.2f}"


def long_prescriptions(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    return _care(seen, "long_prescription", "long prescription issued")


def family_sickbeds(seen: Seen, _: Mapping[str, Any]) -> list[Case]:
    return _care(seen, "sickbed_admitted", "family sickbed opened")


def _care(seen: Seen, kind: str, what: str) -> list[Case]:
    window = seen.window
    return [
        counted(f.where, f.resident_ref, f.ref, f"{what} on {f.on}")
        for f in sorted(seen.facts.care, key=lambda f: f.ref)
        if f.kind == kind and window.period.first <= f.on <= window.last_seen
    ]
