"""Performance pay: members' contributions kept as billing's own events, the team's annual
appraisal noted, and the year's distribution of each team's pool.

A contribution is kept once by its public event's id, however often it arrives; the team's
income is its contract-fee charges booked for the year, read from the ledgers of its
institution at the time of distribution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from billing.application.streams import BOOK, BOOKS, EVENTS, LEDGERS, MEMBER_YEARS, PAY_YEARS, RESIDENTS, TEAM_YEARS
from billing.domain import capitation_year as cy
from billing.domain import ledger
from billing.domain import performance_year as py
from billing.domain.book import Book
from billing.domain.capitation_rules import CapitationRules
from billing.domain.errors import AppraisalNotPublished, NoCapitationRule
from billing.domain.release import AppraisalResult
from shared.commands import Session, Work
from shared.eventstore import EventStore, RecordedEvent
from shared.eventstore.streams import read_states


class PerformancePay:
    def __init__(self, rules: CapitationRules) -> None:
        self.rules = rules

    @staticmethod
    def credit(  # noqa: PLR0913
        event_id: str,
        year: int,
        team_id: str,
        member: py.MemberInTeamYear,
        factor: py.Credited,
        on: date,
        resident_ref: str,
    ) -> Work:
        """A service credited to its member, once by the event's id; the member in the team's
        year and the team in the year's index, once each."""
        member_key = py.member_key(year, team_id, member.member_id)

        def handle(session: Session) -> dict[str, Any]:
            known = event_id in session.load(MEMBER_YEARS, member_key).state.credited
            if not known:
                session.record(MEMBER_YEARS, member_key, py.ContributionNoted(event_id, factor, on, resident_ref))
                _enrol(session, year, team_id, member)
            return {"event_id": event_id, "already_credited": known}

        return Work(handle, reads=[(MEMBER_YEARS, member_key), (TEAM_YEARS, py.team_key(year, team_id))])

    @staticmethod
    def note_appraisal(session: Session, result: AppraisalResult) -> None:
        """A team's annual result (period "2026"): what draws its pool. A restatement replaces it."""
        if result.subject_kind != "team" or len(result.period) != 4:
            return
        year, team = int(result.period), result.subject_id
        key = py.team_key(year, team)
        if session.load(TEAM_YEARS, key).state.appraisal == (noted := _appraised(result)):
            return
        session.record(TEAM_YEARS, key, noted)
        _index(session, year, team)

    @staticmethod
    def to_distribute(
        year: int, today: date, store: EventStore, area_code: str, within: Callable[[py.TeamYear], bool]
    ) -> tuple[list[str], list[str]]:
        """The year's teams the caller may act on (`within`; inside `area_code`, the caller's)
        whose appraisal is published, and those whose appraisal is not; 409 when none is published."""
        py.check_over(year, today)
        mine = {t: s for t, s in team_years(store, year, area_code).items() if within(s)}
        ready = [t for t, s in mine.items() if s.appraisal is not None]
        if not ready:
            raise AppraisalNotPublished(f"no team's appraisal for {year} is published yet")
        return ready, sorted(set(mine) - set(ready))

    def distribute(self, year: int, team_id: str, today: date, store: EventStore, incomes: Incomes) -> Work:
        """A team's distribution: a first one, a restatement of a changed one, nothing for an
        unchanged one (or a team whose appraisal is not published, or without a rule).
        `incomes`: the job's, which reads an institution's ledgers once for all its teams."""
        py.check_over(year, today)
        key = py.team_key(year, team_id)

        def handle(session: Session) -> dict[str, Any]:
            # From the store, not the cache: the consumer (another process) enrols members.
            team = TEAM_YEARS.fold(store.read(TEAM_YEARS.stream_id(key)))[0]
            done = self._distribution(year, team_id, team, incomes, session) if team.appraisal else None
            if done is not None:
                session.record(TEAM_YEARS, key, done)
            return {
                "year": year,
                "distributed": int(done is not None and done.sequence == 0),
                "restated": int(done is not None and done.sequence > 0),
                "unchanged": int(done is None),
                "pool_fen": done.pool_fen if done else 0,
            }

        return Work(handle, reads=[(TEAM_YEARS, key)])

    def _distribution(
        self, year: int, team_id: str, team: py.TeamYear, incomes: Incomes, session: Session
    ) -> py.PerformancePayRecorded | None:
        """Read from the store, not the cache: contributions are noted by another process."""
        store = incomes.store
        keys = {m: MEMBER_YEARS.stream_id(py.member_key(year, team_id, m)) for m in sorted(team.members)}
        found = store.read_many(list(keys.values()))
        members = {m: MEMBER_YEARS.fold(found[key])[0] for m, key in keys.items()}
        served = sorted({c.resident_ref for m in members.values() for c in m.credited.values()})
        counted = py.member_contributions(year, team, members, _key_population(store, served, year))
        try:
            rule = self.rules.for_(team.area_code, year).performance_pay
        except NoCapitationRule:
            return None
        income = incomes.of(team.institution_id or "", team_id)
        return py.distribute_year(team_id, year, team, counted, income, rule, session.context.now)


def team_years(store: EventStore, year: int, area_code: str = "", team_id: str | None = None) -> dict[str, py.TeamYear]:
    """The years of the year's teams inside the area (or the one team), by team: only theirs are read."""
    return years_of_teams(store, year, [t for t in teams_in(store, year, area_code) if team_id in (None, t)])


def teams_in(store: EventStore, year: int, area_code: str = "") -> list[str]:
    """The year's teams inside the area, or of an area not known, by id: from the year's index alone."""
    return PAY_YEARS.fold(store.read(PAY_YEARS.stream_id(str(year))))[0].in_area(area_code)


def years_of_teams(store: EventStore, year: int, teams: list[str]) -> dict[str, py.TeamYear]:
    """Those teams' years, by team, read in one query."""
    streams = {t: TEAM_YEARS.stream_id(py.team_key(year, t)) for t in teams}
    found = store.read_many(list(streams.values()))
    return {t: TEAM_YEARS.fold(found[stream])[0] for t, stream in streams.items()}


class Incomes:
    """Each team's contract-fee income of the year: Σ its charges (refunds deducted) of the year's
    periods, every payer's. An institution's ledgers are read once for all its teams, each from
    its snapshot and the events after it: a ledger keeps its sums by year (`Ledger.charged`), so
    the job does not read every charge of every year."""

    def __init__(self, store: EventStore, year: int) -> None:
        self.store, self.year = store, year
        self._by_institution: dict[str, Counter[str]] = {}
        self._book: Book | None = None  # read once for the job, not once for each institution

    def of(self, institution_id: str, team_id: str) -> int:
        if institution_id not in self._by_institution:
            self._by_institution[institution_id] = self._read(institution_id)
        return max(self._by_institution[institution_id][team_id], 0)

    def _read(self, institution_id: str) -> Counter[str]:
        if self._book is None:
            self._book = BOOKS.fold(self.store.read(BOOKS.stream_id(BOOK)))[0]
        totals: Counter[str] = Counter()
        for found, _ in read_states(self.store, LEDGERS, self._book.of_institution(institution_id)).values():
            if found is not None:
                totals.update(ledger.charged_in(found, self.year))
        return totals


_COVERAGES = EVENTS.names_of(cy.CoverageNoted, cy.CoverageEnded)
"""What of a resident's stream their coverages come from: their claims, most of it, are not decoded."""


def _key_population(store: EventStore, refs: list[str], year: int) -> list[str]:
    """The residents served who carried a key-population label under a contract in the year."""
    found = store.read_many([RESIDENTS.stream_id(ref) for ref in refs])
    return [
        ref
        for ref in refs
        if any(
            c.key_populations and c.starts_on.year <= year <= c.ends_on.year
            for c in _coverages(found[RESIDENTS.stream_id(ref)])
        )
    ]


def _coverages(stream: list[RecordedEvent]) -> Iterable[cy.CoverageNoted]:
    return RESIDENTS.fold([e for e in stream if e.type in _COVERAGES])[0].coverages.values()


def _enrol(session: Session, year: int, team_id: str, member: py.MemberInTeamYear) -> None:
    key = py.team_key(year, team_id)
    if session.load(TEAM_YEARS, key).state.members.get(member.member_id) != member:
        session.record(TEAM_YEARS, key, member)
        _index(session, year, team_id, member.area_code)


def _index(session: Session, year: int, team_id: str, area_code: str = "") -> None:
    """The team in the year's index once, and its area once known (an appraisal does not name it)."""
    known = session.load(PAY_YEARS, str(year)).state.teams
    if team_id not in known or (area_code and not known[team_id]):
        session.record(PAY_YEARS, str(year), py.TeamInYear(team_id, area_code))


def _appraised(result: AppraisalResult) -> py.TeamAppraised:
    score = result.score
    return py.TeamAppraised(
        result.result_id, result.period, f"{score.numerator}/{score.denominator}", result.institution_id
    )
