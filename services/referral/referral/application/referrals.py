"""The referral application: command handlers (run inside a batch) and queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from referral.application import access
from referral.application.commands import (
    AcceptReferral,
    AcknowledgeDownReferral,
    CancelReferral,
    CompleteReferral,
    DeclineReferral,
    ExpireOverdue,
    IssueReferral,
    ReferBackDown,
    Step,
)
from referral.application.streams import REFERRALS, RESIDENTS
from referral.application.views import referral_view
from referral.domain import lifecycle
from referral.domain.contracts import ResidentReferred
from referral.domain.errors import ReferralNotFound
from referral.domain.referral import Referral
from shared.commands import Session, Work
from shared.domain import DomainError
from shared.eventstore import EventStore
from shared.principal import Principal


class Referrals:
    def __init__(self, answer_within: timedelta) -> None:
        self.answer_within = answer_within

    def issue(self, who: Principal, command: IssueReferral) -> Work:
        draft = command.draft
        access.may_refer(who, draft.team_id)

        def handle(session: Session) -> dict[str, Any]:
            contracts, _ = session.load(RESIDENTS, draft.resident_ref)
            issued = lifecycle.issue(contracts, draft, session.context.now, command.on, self.answer_within)
            session.record(RESIDENTS, draft.resident_ref, ResidentReferred(draft.referral_id))
            referral, version = session.start(REFERRALS, draft.referral_id, issued)
            assert referral is not None
            return referral_view(referral, version)

        return Work(handle, reads=[(RESIDENTS, draft.resident_ref)])

    @staticmethod
    def take(who: Principal, referral_id: str, expected_version: int | None, step: Step) -> Work:
        """A step of the referral's lifecycle, by the hospital or by the referring team."""

        def handle(session: Session) -> dict[str, Any]:
            referral = _found(session.load(REFERRALS, referral_id).state, referral_id)
            access.may_read(who, referral)  # before the version check: a stranger learns nothing
            session.load(REFERRALS, referral_id, expected_version)
            event = _decide(who, referral, step, session.context.now)
            updated, version = session.record(REFERRALS, referral_id, event)
            assert updated is not None
            return referral_view(updated, version)

        return Work(handle, reads=[(REFERRALS, referral_id)])

    @staticmethod
    def expiry_run(who: Principal, as_of: datetime, now: datetime) -> datetime:
        """Checked before the job lists what is overdue."""
        access.may_run_schedules(who)
        return lifecycle.expiry_run(as_of, now)

    @staticmethod
    def expire_overdue(who: Principal, command: ExpireOverdue) -> Work:
        """Expire each listed referral still unanswered at `as_of`; others are left alone
        (accepted meanwhile, say), so the job may list candidates from a lagging view."""
        access.may_run_schedules(who)

        def handle(session: Session) -> dict[str, Any]:
            expired = []
            for referral_id in command.referral_ids:
                referral = session.load(REFERRALS, referral_id).state
                try:
                    event = lifecycle.expire(_found(referral, referral_id), command.as_of)
                except DomainError:
                    continue
                session.record(REFERRALS, referral_id, event)
                expired.append(referral_id)
            return {"as_of": command.as_of.isoformat(), "expired": expired}

        return Work(handle, reads=[(REFERRALS, i) for i in command.referral_ids])

    @staticmethod
    async def referral(store: EventStore, who: Principal, referral_id: str) -> tuple[Referral, int]:
        found, version = REFERRALS.fold(await store.read_async(REFERRALS.stream_id(referral_id)))
        referral = _found(found, referral_id)
        access.may_read(who, referral)
        return referral, version


def _decide(who: Principal, referral: Referral, step: Step, now: datetime) -> object:
    by = who.subject
    match step:
        case AcceptReferral(appointment=appointment):
            access.may_answer(who, referral)
            return lifecycle.accept(referral, appointment, by, now)
        case DeclineReferral(reason=reason):
            access.may_answer(who, referral)
            return lifecycle.decline(referral, reason, by, now)
        case CompleteReferral(summary_kind=kind, summary=summary):
            access.may_answer(who, referral)
            return lifecycle.complete(referral, kind, summary, by, now)
        case ReferBackDown(purpose=purpose, instructions=instructions):
            access.may_answer(who, referral)
            return lifecycle.down_refer(referral, purpose, instructions, by, now)
        case AcknowledgeDownReferral():
            access.may_follow_up(who, referral)
            return lifecycle.acknowledge(referral, by, now)
        case CancelReferral(reason=reason):
            access.may_follow_up(who, referral)
            return lifecycle.cancel(referral, reason, by, now)
    raise TypeError(f"unknown step {step!r}")


def _found(referral: Referral | None, referral_id: str) -> Referral:
    if referral is None:
        raise ReferralNotFound(f"no referral {referral_id}")
    return referral
