"""What billing keeps for capitation, and the year-end reconciliation of every team and institution.

Two kinds of stream: a resident's (their coverages, from the contract stream, and their claims,
each claim once by its source and id) and a year's (the residents covered some day of it, the
referral fees charged, each referral once, and the reconciliations recorded). Reconciling a
year reads them all and records, per subject, a first reconciliation or a restatement when
its figures changed since (late claims); nothing when they did not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
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


def years_of(coverage: CoverageNoted) -> range:
    return range(coverage.starts_on.year, coverage.ends_on.year + 1)


@dataclass(frozen=True)
class ResidentInYear:
    resident_ref: str


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
    """Not the residents covered in the year: a province's year has a hundred million, and a set
    copied for each new one made noting a coverage cost as much as the whole roster (and kept
    it in every billing process's memory). The jobs that need them read them from the year's
    events (`roster`); whether a resident is on it already, their own stream tells (`on_roster`)."""

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


def on_roster(resident: ResidentCapitation, year: int) -> bool:
    """Whether the year's roster has the resident already: a coverage noted before touched the
    year. (One ended early since may no longer touch it: then the resident is noted again, which
    `roster` reads as once.)"""
    return any(year in years_of(c) for c in resident.coverages.values())


def roster(events: Iterable[object]) -> list[str]:
    """The residents covered some day of the year, from its stream's events: each once, in order."""
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


def reconcile_year(
    year: int, state: CapitationYear, residents: Iterable[ResidentCapitation], rules: CapitationRules, now: datetime
) -> list[CapitationReconciliationRecorded]:
    """A reconciliation for every team and institution whose figures are new or changed."""
    noted = [r for r in residents if r.coverages]
    subjects = _subjects(noted, year)
    claims = [_claim(c) for r in noted for c in r.claims.values()]
    recorded = []
    for subject in subjects:
        rule = rules.for_(subject.area_code, year)
        referrals = sum(1 for f in state.referrals.values() if _referred_by(f, subject) and f.completed_on.year == year)
        budget = year_budget(subject.coverages, rules, year)
        spent = spending(claims_of(claims, subject.coverages, year), referrals, rule)
        previous = state.latest.get((subject.kind, subject.id))
        advanced = _advanced(state, subject, year)
        done = reconcile((subject.kind, subject.id), budget, spent, rule.retention, _domain(previous), advanced)
        if done is not None:
            recorded.append(_record(done, subject, rule.payer, previous, referrals, budget, spent, now))
    return recorded


def advance_month(  # noqa: PLR0913
    year: int,
    month: int,
    state: CapitationYear,
    residents: Iterable[ResidentCapitation],
    rules: CapitationRules,
    now: datetime,
) -> list[CapitationAdvanceBooked]:
    """The month's advance to every institution with residents contracted in it, once each."""
    noted = [r for r in residents if r.coverages]
    booked = []
    for subject in (s for s in _subjects(noted, year) if s.kind == "institution"):
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


def _subjects(residents: list[ResidentCapitation], year: int) -> list[_Subject]:
    teams: dict[str, list[CoverageNoted]] = {}
    institutions: dict[str, list[CoverageNoted]] = {}
    for noted in (c for r in residents for c in r.coverages.values() if year in years_of(c)):
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
        budget.by_resident,
        spent.by_resident,
        budget.contracted_days,
        now,
    )
