"""Capitation: coverages and claims kept as billing's own events, and the year-end reconciliation.

A coverage is noted in the same command as the contract event's charge (one event, one
command: its id is the idempotency key); a claim is kept once by its source and id, a
referral fee once by its referral, however often or late they arrive.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from billing.application.streams import INSTITUTION_YEARS, RESIDENTS, ROSTERS, YEARS
from billing.domain import capitation_index, capitation_year_end
from billing.domain import capitation_year as cy
from billing.domain.advances import check_due
from billing.domain.capitation_rules import CapitationRules
from shared.commands import Session, Work
from shared.eventstore import EventStore
from shared.eventstore.streams import StreamType


class Capitation:
    def __init__(self, rules: CapitationRules) -> None:
        self.rules = rules

    @staticmethod
    def note_coverage(session: Session, coverage: cy.CoverageNoted) -> None:
        """The resident's coverage; the resident on the roster of the institution's year for each
        year it touches, and the team in the year's index (once each)."""
        resident = session.load(RESIDENTS, coverage.resident_ref).state
        if resident.coverages.get(coverage.contract_id) == coverage:
            return  # the same contract event again, under another id
        session.record(RESIDENTS, coverage.resident_ref, coverage)
        institution = coverage.institution_id
        for year in cy.years_of(coverage):
            if not cy.on_roster(resident, year, institution):
                session.record(ROSTERS, cy.institution_key(year, institution), cy.ResidentInYear(coverage.resident_ref))
            if coverage.team_id not in session.load(YEARS, str(year)).state.teams:
                session.record(YEARS, str(year), cy.TeamCovered(coverage.team_id, institution, coverage.area_code))

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
        """Once by its referral, in the referring institution's year (or in the year's own
        stream, before the institutions' streams)."""
        year = fee.completed_on.year
        key = cy.institution_key(year, fee.institution_id)

        def handle(session: Session) -> dict[str, Any]:
            known = fee.referral_id in session.load(INSTITUTION_YEARS, key).state.referrals
            known = known or fee.referral_id in session.load(YEARS, str(year)).state.before.referrals
            if not known:
                session.record(INSTITUTION_YEARS, key, fee)
            return {"referral_id": fee.referral_id, "already_charged": known}

        return Work(handle, reads=[(INSTITUTION_YEARS, key), (YEARS, str(year))])

    def reconcile(self, year: int, institution_id: str, today: date, store: EventStore, before: Before) -> Work:
        """The figures of an institution and its teams for a year that is over: a first
        reconciliation, a restatement of changed figures (late claims), nothing for unchanged ones.

        The year and its residents are read from the store, not the processor's cache: claims
        are noted by another process (the consumer), and a stream only read here would never
        conflict to tell a cached state was stale. A claim noted while this runs is in the next
        reconciliation; the institution's year, written here, conflicts if it moved meanwhile.
        `before`: the job's, read once for all its institutions (`institutions`)."""
        capitation_year_end.check_over(year, today)
        key = cy.institution_key(year, institution_id)

        def handle(session: Session) -> dict[str, Any]:
            state, residents = institution_year(store, year, institution_id, before)
            recorded = capitation_year_end.reconcile_year(
                year, institution_id, state, residents, self.rules, session.context.now
            )
            if recorded:
                session.record(INSTITUTION_YEARS, key, *recorded)
            return {
                "year": year,
                "reconciled": sum(1 for r in recorded if r.sequence == 0),
                "restated": sum(1 for r in recorded if r.sequence > 0),
                "subjects": len(state.latest) + sum(1 for r in recorded if r.sequence == 0),
            }

        return Work(handle, reads=[(INSTITUTION_YEARS, key)])

    def advance(  # noqa: PLR0913
        self, year: int, month: int, institution_id: str, today: date, store: EventStore, before: Before
    ) -> Work:
        """The month's advance to an institution, from the month's first day; again, nothing
        more if it was advanced already (read from the store as `reconcile` does)."""
        check_due(year, month, today)
        key = cy.institution_key(year, institution_id)

        def handle(session: Session) -> dict[str, Any]:
            state, residents = institution_year(store, year, institution_id, before)
            now = session.context.now
            booked = capitation_year_end.advance_month(year, month, institution_id, state, residents, self.rules, now)
            if booked:
                session.record(INSTITUTION_YEARS, key, *booked)
            return {
                "year": year,
                "month": month,
                "advanced": len(booked),
                "amount_fen": sum(b.amount_fen for b in booked),
            }

        return Work(handle, reads=[(INSTITUTION_YEARS, key)])


@dataclass(frozen=True)
class Before:
    """What a year kept in its own stream before the institutions' streams: it no longer
    changes, so a job reads it once with the year's index, not once for each institution."""

    year: cy.CapitationYear
    roster: tuple[str, ...]


def institutions(store: EventStore, year: int, area_code: str = "") -> tuple[list[str], Before]:
    """The year's institutions whose area (`capitation_index.home_areas`: one each) is inside `area_code` ("":
    every one), what its jobs go through, one command each, and what the year kept before."""
    areas, before = institution_areas(store, year)
    return sorted(i for i, area in areas.items() if area.startswith(area_code)), before


def institution_areas(store: EventStore, year: int) -> tuple[dict[str, str], Before]:
    """Each institution of the year and its area (`capitation_index.home_areas`), from the year's index and what
    the year kept before (whose residents name institutions too), and that."""
    index, events = year_index(store, year)
    before = Before(index.before, tuple(cy.roster(events)) if index.roster_before else ())
    named = list(index.areas())
    kept = store.read_many([RESIDENTS.stream_id(ref) for ref in before.roster])
    for stream in kept.values():
        coverages = RESIDENTS.fold(stream)[0].coverages.values()
        named += [(c.institution_id, c.area_code) for c in coverages if year in cy.years_of(c)]
    return capitation_index.home_areas(named), before


def institution_year(
    store: EventStore, year: int, institution_id: str, before: Before
) -> tuple[cy.CapitationYear, list[cy.ResidentCapitation]]:
    """The institution's year and what its jobs read of the residents on its roster
    (`cy.in_year`), read from the store a page of residents at a time: what a command holds
    is their coverages and claims of the year, not every event of an institution's tens of
    thousands of residents at once (about 30 KB a resident). A resident kept before whom
    another institution covered is left out."""
    state = institution_years(store, year, [institution_id], before.year)[institution_id]
    key = cy.institution_key(year, institution_id)
    refs = sorted(set(cy.roster(_decoded(store, ROSTERS, key))) | set(before.roster))
    residents = []
    for at in range(0, len(refs), _RESIDENTS_AT_ONCE):
        found = store.read_many([RESIDENTS.stream_id(ref) for ref in refs[at : at + _RESIDENTS_AT_ONCE]])
        theirs = (cy.in_year(RESIDENTS.fold(stream)[0], year, institution_id) for stream in found.values())
        residents += [r for r in theirs if r.coverages]
    return state, residents


_RESIDENTS_AT_ONCE = 1_000


def institution_years(
    store: EventStore, year: int, institution_ids: list[str], before: cy.CapitationYear
) -> dict[str, cy.CapitationYear]:
    """Each institution's year, over its part of what the year kept before (`before`), by
    institution: their streams read in one query (a page of the figures reads a few at once)."""
    keys = {i: INSTITUTION_YEARS.stream_id(cy.institution_key(year, i)) for i in institution_ids}
    found = store.read_many(list(keys.values()))
    return {i: cy.of_institution(before, INSTITUTION_YEARS.fold(found[key])[0], i) for i, key in keys.items()}


def latest_reconciliation(
    store: EventStore, year: int, institution_id: str, subject: tuple[str, str], before: cy.CapitationYear
) -> cy.CapitationReconciliationRecorded | None:
    """The subject's latest reconciliation, from its institution's year and its part of what the
    year kept before (`cy.of_institution`'s). Only that event is decoded: each of the others (every
    team's, every restatement) holds its residents' maps, tens of thousands of entries for the
    institution's own, which a page of one subject's residents has no use for."""
    kind, subject_id = subject
    recorded = store.read(INSTITUTION_YEARS.stream_id(cy.institution_key(year, institution_id)))
    for e in reversed(recorded):
        if e.type in _RECONCILED and (e.data["subject_kind"], e.data["subject_id"]) == (kind, subject_id):
            found = INSTITUTION_YEARS.events.decode(e.type, e.data)
            assert isinstance(found, cy.CapitationReconciliationRecorded)  # its type's name said so
            return found
    kept = before.latest.get(subject)
    return kept if kept is not None and kept.institution_id == institution_id else None


_RECONCILED = INSTITUTION_YEARS.events.names_of(cy.CapitationReconciliationRecorded)


class YearIndexes:
    """The years' indexes as this process last read them, each brought up to date on every call by
    reading only what was appended since (usually nothing): a page of the figures or a team's
    drill-down reads a row or none, where reading a province's year again read and decoded its
    tens of thousands of teams. The index is the one read whole would give: each call reads the
    store. Threads share it; an index is never changed, only replaced by a newer one."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._held: dict[int, tuple[capitation_index.CapitationYearIndex, int]] = {}
        self._lock = threading.Lock()

    def __call__(self, year: int) -> capitation_index.CapitationYearIndex:
        held, version = self._held.get(year, (capitation_index.CapitationYearIndex(), 0))
        stream = YEARS.stream_id(str(year))
        recorded = self._store.read(stream, after=version)
        if not recorded:
            return held
        newer = (
            capitation_index.index_after(held, [YEARS.events.decode(e.type, e.data) for e in recorded])
            if version
            else None
        )
        if newer is None:  # read for the first time, or of a year kept before in its own stream: whole
            newer, last = YEARS.fold(recorded if not version else self._store.read(stream))
        else:
            last = recorded[-1].version
        with self._lock:
            if self._held.get(year, (None, 0))[1] < last:
                self._held[year] = (newer, last)
        return newer


def year_index(store: EventStore, year: int) -> tuple[capitation_index.CapitationYearIndex, list[object]]:
    """The year's index, and its events."""
    events = _decoded(store, YEARS, str(year))
    return capitation_index.index_of(events), events  # decoded once: a year kept before names its roster in them


def _decoded(store: EventStore, kind: StreamType[Any], key: str) -> list[object]:
    return [kind.events.decode(e.type, e.data) for e in store.read(kind.stream_id(key))]
