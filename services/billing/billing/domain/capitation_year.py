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

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from billing.domain.fee_rules import Payer
from billing.domain.reconciliation import (
    ClaimKind,
    Figures,
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
