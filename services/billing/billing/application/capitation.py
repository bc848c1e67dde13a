"""Capitation: coverages and claims kept as billing's own events, and the year-end reconciliation.

A coverage is noted in the same command as the contract event's charge (one event, one
command: its id is the idempotency key); a claim is kept once by its source and id, a
referral fee once by its referral, however often or late they arrive.
"""

from __future__ import annotations

from datetime import date
from functools import reduce
from typing import Any

from billing.application.streams import RESIDENTS, YEARS
from billing.domain import capitation_year as cy
from billing.domain.advances import check_due
from billing.domain.capitation_rules import CapitationRules
from shared.commands import Session, Work
from shared.eventstore import EventStore


class Capitation:
    def __init__(self, rules: CapitationRules) -> None:
        self.rules = rules

    @staticmethod
    def note_coverage(session: Session, coverage: cy.CoverageNoted) -> None:
        """The resident's coverage, and the resident on the roster of each year it touches (once)."""
        resident = session.load(RESIDENTS, coverage.resident_ref).state
        if resident.coverages.get(coverage.contract_id) == coverage:
            return  # the same contract event again, under another id
        session.record(RESIDENTS, coverage.resident_ref, coverage)
        for year in cy.years_of(coverage):
            if not cy.on_roster(resident, year):
                session.record(YEARS, str(year), cy.ResidentInYear(coverage.resident_ref))

    @staticmethod
    def end_coverage(session: Session, resident_ref: str, contract_id: str, last_day: date) -> None:
        if contract_id in session.load(RESIDENTS, resident_ref).state.coverages:
            session.record(RESIDENTS, resident_ref, cy.CoverageEnded(contract_id, last_day))

    @staticmethod
    def note_claim(claim: cy.ClaimNoted) -> Work:
        def handle(session: Session) -> dict[str, Any]:
            known = claim.claim_key in session.load(RESIDENTS, claim.resident_ref).state.claims
            if not known:
                session.record(RESIDENTS, claim.resident_ref, claim)
            return {"claim": claim.claim_key, "already_noted": known}

        return Work(handle, reads=[(RESIDENTS, claim.resident_ref)])

    @staticmethod
    def charge_referral_fee(fee: cy.ReferralFeeCharged) -> Work:
        year = str(fee.completed_on.year)

        def handle(session: Session) -> dict[str, Any]:
            known = fee.referral_id in session.load(YEARS, year).state.referrals
            if not known:
                session.record(YEARS, year, fee)
            return {"referral_id": fee.referral_id, "already_charged": known}

        return Work(handle, reads=[(YEARS, year)])

    def reconcile(self, year: int, today: date, store: EventStore) -> Work:
        """Every team's and institution's figures for a year that is over: a first reconciliation,
        a restatement of changed figures (late claims), nothing for unchanged ones.

        The year and its residents are read from the store, not the processor's cache: claims
        are noted by another process (the consumer), and a stream only read here would never
        conflict to tell a cached state was stale. A claim noted while this runs is in the next
        reconciliation; the year's stream, written here, conflicts if it moved meanwhile."""
        cy.check_over(year, today)
        key = str(year)

        def handle(session: Session) -> dict[str, Any]:
            state, residents = _year(store, key)
            recorded = cy.reconcile_year(year, state, residents, self.rules, session.context.now)
            if recorded:
                session.record(YEARS, key, *recorded)
            return {
                "year": year,
                "reconciled": sum(1 for r in recorded if r.sequence == 0),
                "restated": sum(1 for r in recorded if r.sequence > 0),
                "subjects": len(state.latest) + sum(1 for r in recorded if r.sequence == 0),
            }

        return Work(handle, reads=[(YEARS, key)])

    def advance(self, year: int, month: int, today: date, store: EventStore) -> Work:
        """The month's advance to every institution, from the month's first day; again, nothing
        more for an institution advanced already (read from the store as `reconcile` does)."""
        check_due(year, month, today)
        key = str(year)

        def handle(session: Session) -> dict[str, Any]:
            state, residents = _year(store, key)
            booked = cy.advance_month(year, month, state, residents, self.rules, session.context.now)
            if booked:
                session.record(YEARS, key, *booked)
            return {
                "year": year,
                "month": month,
                "advanced": len(booked),
                "amount_fen": sum(b.amount_fen for b in booked),
            }

        return Work(handle, reads=[(YEARS, key)])


def _year(store: EventStore, key: str) -> tuple[cy.CapitationYear, list[cy.ResidentCapitation]]:
    """The year's state and its residents', read from the store."""
    events = [YEARS.events.decode(e.type, e.data) for e in store.read(YEARS.stream_id(key))]
    found = store.read_many([RESIDENTS.stream_id(ref) for ref in cy.roster(events)])
    return reduce(YEARS.evolve, events, YEARS.initial), [RESIDENTS.fold(stream)[0] for stream in found.values()]
