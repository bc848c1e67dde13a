"""The year-end reconciliation of an institution and each of its teams, and the fund's monthly
advances to it, from its year (`capitation_year`) and the residents on its roster. A year is
reconciled once it is over; a claim coming late restates a subject's figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from billing.domain.advances import monthly_advance
from billing.domain.capitation import Budget, Coverage, year_budget
from billing.domain.capitation_rules import CapitationRules
from billing.domain.capitation_year import (
    CapitationAdvanceBooked,
    CapitationReconciliationRecorded,
    CapitationYear,
    ClaimNoted,
    CoverageNoted,
    ReferralFeeCharged,
    ResidentCapitation,
    SubjectKind,
    years_of,
)
from billing.domain.errors import YearNotOver
from billing.domain.fee_rules import Payer
from billing.domain.reconciliation import Claim, Reconciliation, Spending, claims_of, reconcile, spending


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
