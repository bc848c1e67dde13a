"""What billing keeps for capitation, and the year-end reconciliation of every team and institution.

Streams of four kinds: a resident's (their coverages, from the contract stream, and their
claims, each claim once by its source and id); an institution's year (the referral fees its
teams charged, each referral once, its advances and the reconciliations of it and its teams),
with its roster (the residents covered by it some day of the year) apart; and the year's index
(its teams, each with its institution and area). Reconciling a year is done an institution at a
time: it reads the institution's year and the residents on its roster and records, per subject,
a first reconciliation or a restatement when its figures changed since (late claims); nothing
when they did not. So a province's year is thousands of small streams, written and reconciled
in parallel, not one that every new resident appends to and one command reads whole.

A year recorded before the institutions' streams (December 2026) kept all of it in the year's
own stream; it is still read, each part as its institution's (`CapitationYearIndex.before`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from billing.domain.advances import monthly_advance
from billing.domain.capitation import Budget, Coverage, year_budget
from billing.domain.capitation_rules import CapitationRules
from billing.domain.errors import YearNotOver
from billing.domain.fee_rules import Payer
from billing.domain.reconciliation import (
    Claim,
    ClaimKind,
    Figures,
    Reconciliation,
    Spending,
    claims_of,
    reconcile,
    spending,
)

SubjectKind = Literal["team", "institution"]


@dataclass(frozen=True)
class CoverageNoted:
    """A contract started (signed or renewed): its resident is the team's from start to end."""

    resident_ref: str
    contract_id: str
    team_id: str
    institution_id: str
    area_code: str
    bureau_id: str | None
    key_populations: tuple[str, ...]
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class CoverageEnded:
    contract_id: str
    last_day: date


@dataclass(frozen=True)
class ClaimNoted:
    resident_ref: str
    claim_key: str  # "<source>/<claim id>": ids are unique per source
    institution_id: str
    amount_fen: int
    service_date: date
    kind: ClaimKind
    referral_id: str | None


@dataclass(frozen=True)
class ResidentCapitation:
    coverages: dict[str, CoverageNoted] = field(default_factory=dict)  # by contract id
    claims: dict[str, ClaimNoted] = field(default_factory=dict)  # by claim key


def evolve_resident(state: ResidentCapitation, event: object) -> ResidentCapitation:
    match event:
        case CoverageNoted(contract_id=contract):
            return replace(state, coverages={**state.coverages, contract: event})
        case CoverageEnded(contract_id=contract, last_day=last) if contract in state.coverages:
            ended = replace(state.coverages[contract], ends_on=last)
            return replace(state, coverages={**state.coverages, contract: ended})
        case CoverageEnded():
            return state
        case ClaimNoted(claim_key=key):
            return replace(state, claims={**state.claims, key: event})
    raise ValueError(f"{type(event).__name__} does not apply to a resident's capitation")


def in_year(resident: ResidentCapitation, year: int, institution_id: str) -> ResidentCapitation:
    """What an institution's year reads of a resident: their coverages by it touching the year,
    and their claims served in it (the others are no subject's of the year: `reconcile_year`)."""
    return ResidentCapitation(
        {k: c for k, c in resident.coverages.items() if c.institution_id == institution_id and year in years_of(c)},
        {k: c for k, c in resident.claims.items() if c.service_date.year == year},
    )


def years_of(coverage: CoverageNoted) -> range:
    return range(coverage.starts_on.year, coverage.ends_on.year + 1)


# On an institution's roster for the year; in the year's own stream (before the institutions'
# streams), on the roster of every institution that covered them in it. (Its schema is stored:
# a docstring would change it.)
@dataclass(frozen=True)
class ResidentInYear:
    resident_ref: str


@dataclass(frozen=True)
class TeamCovered:
    """In the year's index: a team with residents covered some day of the year, once."""

    team_id: str
    institution_id: str
    area_code: str


@dataclass(frozen=True)
class ReferralFeeCharged:
    """A completed up-referral: a referral fee charged to the referring team."""

    referral_id: str
    team_id: str
    institution_id: str
    area_code: str
    completed_on: date


@dataclass(frozen=True)
class CapitationReconciliationRecorded:
    reconciliation_id: str
    subject_kind: SubjectKind
    subject_id: str
    institution_id: str
    area_code: str
    payer: Payer
    bureau_id: str | None  # the residents' bureau when they share one; else only the settlements stream
    year: int
    sequence: int
    restates_reconciliation_id: str | None
    referrals_completed: int
    figures: Figures
    difference: Figures | None
    budget_by_resident: dict[str, int]
    spending_by_resident: dict[str, int]
    contracted_days: dict[str, int]
    reconciled_at: datetime

    @property
    def residents(self) -> int:
        return len(self.contracted_days)


@dataclass(frozen=True)
class CapitationAdvanceBooked:
    """The insurance fund's advance of a month's capitation to an institution."""

    advance_id: str
    institution_id: str
    area_code: str
    payer: Payer
    bureau_id: str | None
    year: int
    month: int
    residents: int
    budget_fen: int
    amount_fen: int
    booked_at: datetime


@dataclass(frozen=True)
class CapitationYear:
    """An institution's year. Not its residents: a city's institution has tens of thousands, and
    a set copied for each new one made noting a coverage cost as much as the whole roster (and
    kept it in every billing process's memory). The jobs that need them read them from the
    roster's events (`roster`); whether a resident is on it already, their own stream tells
    (`on_roster`)."""

    referrals: dict[str, ReferralFeeCharged] = field(default_factory=dict)
    advances: dict[tuple[str, int], CapitationAdvanceBooked] = field(default_factory=dict)  # by institution, month
    latest: dict[tuple[str, str], CapitationReconciliationRecorded] = field(default_factory=dict)  # by subject


def evolve_year(state: CapitationYear, event: object) -> CapitationYear:
    match event:
        case ResidentInYear():
            return state
        case ReferralFeeCharged(referral_id=referral):
            return replace(state, referrals={**state.referrals, referral: event})
        case CapitationReconciliationRecorded(subject_kind=kind, subject_id=subject):
            return replace(state, latest={**state.latest, (kind, subject): event})
        case CapitationAdvanceBooked(institution_id=institution, month=month):
            return replace(state, advances={**state.advances, (institution, month): event})
    raise ValueError(f"{type(event).__name__} does not apply to a capitation year")


def year_of_institution(events: Iterable[object]) -> CapitationYear:
    """The institution's year from its events at once: `evolve_year` copies its referral fees for
    each new one, which a command's cached year takes a referral at a time, but a year read from
    the store (to charge a fee, to reconcile, to advance) would pay for each (quadratic)."""
    referrals: dict[str, ReferralFeeCharged] = {}
    advances: dict[tuple[str, int], CapitationAdvanceBooked] = {}
    latest: dict[tuple[str, str], CapitationReconciliationRecorded] = {}
    for event in events:
        match event:
            case ResidentInYear():
                pass
            case ReferralFeeCharged(referral_id=referral):
                referrals[referral] = event
            case CapitationReconciliationRecorded(subject_kind=kind, subject_id=subject):
                latest[(kind, subject)] = event
            case CapitationAdvanceBooked(institution_id=institution, month=month):
                advances[(institution, month)] = event
            case _:
                raise ValueError(f"{type(event).__name__} does not apply to a capitation year")
    return CapitationYear(referrals, advances, latest)


def evolve_roster(state: None, event: object) -> None:
    if isinstance(event, ResidentInYear):
        return state
    raise ValueError(f"{type(event).__name__} does not apply to a capitation roster")


@dataclass(frozen=True)
class CapitationYearIndex:
    """The year's teams (a province's are tens of thousands; its residents are not here), and
    what a year recorded before the institutions' streams kept in its own."""

    teams: dict[str, TeamCovered] = field(default_factory=dict)
    before: CapitationYear = CapitationYear()
    roster_before: bool = False  # residents were noted in the year's own stream

    def institutions(self, area_code: str = "") -> list[str]:
        """Those with a team inside the area, or named by what was recorded before."""
        named = {i for i in self._team_areas if self.names(i, area_code)}
        return sorted(named | self._named_before)

    def names(self, institution_id: str, area_code: str = "") -> bool:
        """Whether `institutions(area_code)` has the institution, looking at its teams alone."""
        areas = self._team_areas.get(institution_id, ())
        return institution_id in self._named_before or any(a.startswith(area_code) for a in areas)

    # Worked out once for each index: a process keeps the year's (`YearIndexes`), and each page of
    # the figures asks of its institutions (thousands), not again of its teams (tens of thousands).
    @cached_property
    def _team_areas(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for t in self.teams.values():
            found.setdefault(t.institution_id, set()).add(t.area_code)
        return found

    @cached_property
    def _named_before(self) -> set[str]:
        before = self.before
        named = {i for i, _ in before.advances} | {r.institution_id for r in before.latest.values()}
        return named | {f.institution_id for f in before.referrals.values()}

    def areas(self) -> Iterable[tuple[str, str]]:
        """Each institution with the area of each of its teams, and of what was recorded before of it."""
        before = self.before
        for named in (self.teams, before.referrals, before.advances, before.latest):
            yield from ((n.institution_id, n.area_code) for n in named.values())


def home_areas(named: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each institution's one area for a job that goes through a year an area at a time: the
    least it is named with (its teams normally share one). So jobs of areas none inside another
    never both do an institution, and together do every institution in them."""
    found: dict[str, str] = {}
    for institution, area in named:
        found[institution] = min(area, found.get(institution, area))
    return found


def evolve_index(state: CapitationYearIndex, event: object) -> CapitationYearIndex:
    match event:
        case TeamCovered(team_id=team):
            return replace(state, teams=state.teams | {team: event})
        case ResidentInYear():
            return state if state.roster_before else replace(state, roster_before=True)
    return replace(state, before=evolve_year(state.before, event))


def index_of(events: Iterable[object]) -> CapitationYearIndex:
    """The index from its events at once: `evolve_index` copies the teams for each new one, which
    a command's cached index takes a team at a time, but a read of a province's tens of
    thousands from the store would pay for each (quadratic)."""
    teams: dict[str, TeamCovered] = {}
    before = []
    for event in events:
        if isinstance(event, TeamCovered):
            teams[event.team_id] = event
        else:
            before.append(event)
    roster_before = any(isinstance(e, ResidentInYear) for e in before)
    return CapitationYearIndex(teams, year_of_institution(before), roster_before)


def index_after(index: CapitationYearIndex, events: list[object]) -> CapitationYearIndex | None:
    """The index with the events recorded after it: teams new to the year, one copy of the teams
    for them all. None when one is of a year kept before in its own stream (read it whole again)."""
    if not all(isinstance(e, TeamCovered) for e in events):
        return None
    return replace(index, teams=index.teams | {e.team_id: e for e in events if isinstance(e, TeamCovered)})


def institution_key(year: int, institution_id: str) -> str:
    return f"{year}~{institution_id}"


def of_institution(before: CapitationYear, own: CapitationYear, institution_id: str) -> CapitationYear:
    """The institution's year: its own stream's, over its part of what the year's kept before."""
    return CapitationYear(
        {k: f for k, f in before.referrals.items() if f.institution_id == institution_id} | own.referrals,
        {k: a for k, a in before.advances.items() if k[0] == institution_id} | own.advances,
        {k: r for k, r in before.latest.items() if r.institution_id == institution_id} | own.latest,
    )


def on_roster(resident: ResidentCapitation, year: int, institution_id: str) -> bool:
    """Whether the institution's roster for the year has the resident already: a coverage by it
    noted before touched the year. (One ended early since may no longer touch it: then the
    resident is noted again, which `roster` reads as once.)"""
    return any(year in years_of(c) and c.institution_id == institution_id for c in resident.coverages.values())


def roster(events: Iterable[object]) -> list[str]:
    """The residents covered some day of the year, from its roster's events: each once, in order."""
    return sorted({e.resident_ref for e in events if isinstance(e, ResidentInYear)})


def check_over(year: int, today: date) -> None:
    """A year is reconciled once it is over: its claims may still come late (a restatement)."""
    if year >= today.year:
        raise YearNotOver(f"capitation year {year} is not over on {today}: reconcile it from {year + 1}-01-01")


@dataclass(frozen=True)
class _Subject:
    kind: SubjectKind
    id: str
    institution_id: str
    area_code: str
    bureau_id: str | None
    coverages: list[Coverage]


def reconcile_year(  # noqa: PLR0913
    year: int,
    institution_id: str,
    state: CapitationYear,
    residents: Iterable[ResidentCapitation],
    rules: CapitationRules,
    now: datetime,
) -> list[CapitationReconciliationRecorded]:
    """A reconciliation for the institution and each of its teams whose figures are new or changed."""
    noted = [r for r in residents if r.coverages]
    subjects = _subjects(noted, year, institution_id)
    claims: dict[str, list[Claim]] = {}  # by resident: a subject reads only its residents' (a team few of them)
    for c in (c for r in noted for c in r.claims.values()):
        claims.setdefault(c.resident_ref, []).append(_claim(c))
    recorded = []
    for subject in subjects:
        rule = rules.for_(subject.area_code, year)
        referrals = sum(1 for f in state.referrals.values() if _referred_by(f, subject) and f.completed_on.year == year)
        budget = year_budget(subject.coverages, rules, year)
        theirs = [c for ref in dict.fromkeys(c.resident_ref for c in subject.coverages) for c in claims.get(ref, ())]
        spent = spending(claims_of(theirs, subject.coverages, year), referrals, rule)
        previous = state.latest.get((subject.kind, subject.id))
        advanced = _advanced(state, subject, year)
        done = reconcile((subject.kind, subject.id), budget, spent, rule.retention, _domain(previous), advanced)
        if done is not None:
            recorded.append(_record(done, subject, rule.payer, previous, referrals, budget, spent, now))
    return recorded


def advance_month(  # noqa: PLR0913
    year: int,
    month: int,
    institution_id: str,
    state: CapitationYear,
    residents: Iterable[ResidentCapitation],
    rules: CapitationRules,
    now: datetime,
) -> list[CapitationAdvanceBooked]:
    """The month's advance to the institution if residents were contracted with it in the month, once."""
    noted = [r for r in residents if r.coverages]
    booked = []
    for subject in (s for s in _subjects(noted, year, institution_id) if s.kind == "institution"):
        if (subject.id, month) in state.advances:
            continue  # booked already: an advance is paid once
        rule = rules.for_(subject.area_code, year)
        advance = monthly_advance(subject.coverages, rules, rule, year, month)
        if advance.residents:
            advance_id = f"capitation-advance/{subject.id}/{year}-{month:02d}"
            booked.append(
                CapitationAdvanceBooked(
                    advance_id,
                    subject.id,
                    subject.area_code,
                    rule.payer,
                    subject.bureau_id,
                    year,
                    month,
                    advance.residents,
                    advance.budget_fen,
                    advance.amount_fen,
                    now,
                )
            )
    return booked


def _subjects(residents: list[ResidentCapitation], year: int, institution_id: str) -> list[_Subject]:
    """The institution and its teams; a resident's coverages by other institutions are theirs."""
    teams: dict[str, list[CoverageNoted]] = {}
    institutions: dict[str, list[CoverageNoted]] = {}
    mine = (c for r in residents for c in r.coverages.values() if c.institution_id == institution_id)
    for noted in (c for c in mine if year in years_of(c)):
        teams.setdefault(noted.team_id, []).append(noted)
        institutions.setdefault(noted.institution_id, []).append(noted)
    kinds: list[tuple[SubjectKind, dict[str, list[CoverageNoted]]]] = [("team", teams), ("institution", institutions)]
    return [_subject(kind, key, found) for kind, groups in kinds for key, found in sorted(groups.items())]


def _subject(kind: SubjectKind, key: str, found: list[CoverageNoted]) -> _Subject:
    first = found[0]
    area = first.area_code if kind == "team" else _most_common([c.area_code for c in found])
    bureaus = {c.bureau_id for c in found}
    bureau = bureaus.pop() if len(bureaus) == 1 else None
    return _Subject(kind, key, first.institution_id, area, bureau, [_coverage(c) for c in found])


def _most_common(areas: list[str]) -> str:
    """An institution's teams share its area; should they not, the area most of its residents' are."""
    return Counter(areas).most_common(1)[0][0]


def _advanced(state: CapitationYear, subject: _Subject, year: int) -> int:
    """The monthly advances the fund paid the subject for the year: an institution's; a team none."""
    if subject.kind != "institution":
        return 0
    return sum(
        a.amount_fen for (institution, _), a in state.advances.items() if institution == subject.id and a.year == year
    )


def _referred_by(fee: ReferralFeeCharged, subject: _Subject) -> bool:
    return fee.team_id == subject.id if subject.kind == "team" else fee.institution_id == subject.id


def _coverage(c: CoverageNoted) -> Coverage:
    return Coverage(
        c.resident_ref, c.team_id, c.institution_id, c.area_code, frozenset(c.key_populations), c.starts_on, c.ends_on
    )


def _claim(c: ClaimNoted) -> Claim:
    return Claim(c.claim_key, c.institution_id, c.resident_ref, c.amount_fen, c.service_date, c.kind)


def _domain(recorded: CapitationReconciliationRecorded | None) -> Reconciliation | None:
    if recorded is None:
        return None
    kind, subject = recorded.subject_kind, recorded.subject_id
    return Reconciliation(kind, subject, recorded.year, recorded.sequence, recorded.figures, recorded.difference)


def figures_v1_to_v2(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures recorded before the monthly advances: nothing advanced, the whole balance due."""
    due = figures["budget_fen"] - figures["returned_fen"] + figures["covered_fen"]
    return figures | {"advanced_fen": 0, "balance_due_fen": due}


def reconciliation_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    difference = data.get("difference")
    return data | {
        "figures": figures_v1_to_v2(data["figures"]),
        "difference": figures_v1_to_v2(difference) if difference else None,
    }


def reconciliation_id(kind: str, subject: str, year: int, sequence: int) -> str:
    return f"capitation/{kind}/{subject}/{year}/{sequence}"


def _record(  # noqa: PLR0913
    done: Reconciliation,
    subject: _Subject,
    payer: Payer,
    previous: CapitationReconciliationRecorded | None,
    referrals: int,
    budget: Budget,
    spent: Spending,
    now: datetime,
) -> CapitationReconciliationRecorded:
    return CapitationReconciliationRecorded(
        reconciliation_id(done.subject_kind, done.subject_id, done.year, done.sequence),
        done.subject_kind,
        done.subject_id,
        subject.institution_id,
        subject.area_code,
        payer,
        subject.bureau_id,
        done.year,
        done.sequence,
        previous.reconciliation_id if previous else None,
        referrals,
        done.figures,
        done.restated,
        _by_ref(budget.by_resident),
        _by_ref(spent.by_resident),
        _by_ref(budget.contracted_days),
        now,
    )


def _by_ref(by_resident: dict[str, int]) -> dict[str, int]:
    """Kept in the order of the refs, as the drill-down pages them: a page then looks its start up
    and no read sorts an institution's tens of thousands of residents (`residents_in_order`)."""
    return dict(sorted(by_resident.items()))


def residents_in_order(r: CapitationReconciliationRecorded) -> list[str]:
    """The residents behind the figures, by ref. Recorded in that order (`_by_ref`), so the sort is
    Timsort finding one run (n comparisons, no moves); one recorded before then is sorted here."""
    refs = list(r.contracted_days)
    refs += [ref for ref in r.spending_by_resident if ref not in r.contracted_days]  # none, normally
    refs.sort()
    return refs
