"""A ledger: what one payer owes one institution (the insurance fund: per bureau).

Charges are booked into the period they belong to; a charge for a period already closed
goes into the next open period as an adjustment, so a closed period is never rewritten.
Closing settles each open period up to the one closed: due, withheld pending appraisal,
adjustments, payable. The withheld part is released later, in proportion to the score.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from itertools import islice

from billing.domain.fee_rules import Payer
from billing.domain.money import part_of
from billing.domain.periods import Calendar, within


@dataclass(frozen=True)
class LedgerRef:
    institution_id: str
    area_code: str
    payer: Payer
    bureau_id: str | None

    @property
    def key(self) -> str:
        return f"{self.institution_id}~{self.payer}~{self.bureau_id or '-'}"


@dataclass(frozen=True)
class LedgerOpened:
    ledger: LedgerRef
    closed_through: str | None


@dataclass(frozen=True)
class ChargeBooked:
    """One payer's part of a contract year (or its refund), in a settlement period."""

    ledger: LedgerRef
    charge_id: str
    contract_id: str
    resident_ref: str
    team_id: str
    contract_year: int
    period: str
    origin_period: str
    amount_fen: int
    reason: str  # annual_fee, pro_rata_refund, late_adjustment
    booked_at: datetime

    @property
    def late(self) -> bool:
        return self.period != self.origin_period


@dataclass(frozen=True)
class PeriodSettled:
    ledger: LedgerRef
    settlement_id: str
    period: str
    contracts_charged: int
    due_fen: int
    withheld_fen: int
    adjustments_fen: int
    payable_fen: int
    withheld_by_team: dict[str, int]
    settled_at: datetime


@dataclass(frozen=True)
class LedgerClosed:
    """Every period up to `through` is closed for this ledger (settled or empty)."""

    through: str


@dataclass(frozen=True)
class SettlementReversed:
    """A settlement undone because its period was reopened: its figures negated, naming it,
    so the sum of a payer's settlements stays exact. Its charges are open again."""

    ledger: LedgerRef
    reversal_id: str
    reverses_settlement_id: str
    period: str
    contracts_charged: int
    due_fen: int
    withheld_fen: int
    adjustments_fen: int
    payable_fen: int
    reason: str
    reversed_at: datetime


@dataclass(frozen=True)
class LedgerReopened:
    """The periods after `through` are open again."""

    through: str


@dataclass(frozen=True)
class WithheldReleased:
    """A withheld pot paid out by an appraisal result; a restatement re-decides the same
    pot (same `release_id`) with the new score."""

    ledger: LedgerRef
    release_id: str
    appraisal_result_id: str
    appraisal_period: str
    subject_kind: str
    subject_id: str
    withheld_fen: int
    released_fen: int
    forfeited_fen: int
    released_at: datetime


@dataclass(frozen=True)
class AppraisalNoted:
    """A result that released nothing from this ledger, recorded all the same: the decision
    rests on the ledger's state, and writing it makes a decision on stale state conflict."""

    appraisal_result_id: str


@dataclass(frozen=True)
class Withheld:
    period: str
    team_id: str
    amount_fen: int


class Contracts:
    """The contracts charged in a period, each once. A period's states, each folded from the one
    before, share one dict (its first `len` keys are a state's contracts) and a new contract is
    added to it, not to a copy: a set copied for each charge made a period's fold grow with the
    square of its contracts (20,000: 4 s). A state that is not the latest of its line (a command
    decided again on the state it began from, after a conflict or a refusal) finds the dict
    longer than its own contracts and takes a copy of its part first. A line of states is folded
    by one thread at a time, as the command processor's batches are."""

    __slots__ = ("_ids", "_size")

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._ids: dict[str, None] = dict.fromkeys(ids)
        self._size = len(self._ids)

    def with_(self, contract_id: str) -> Contracts:
        ids = self._own()
        if contract_id in ids:
            return self
        ids[contract_id] = None
        grown = Contracts()
        grown._ids, grown._size = ids, len(ids)
        return grown

    def _own(self) -> dict[str, None]:
        if len(self._ids) != self._size:  # a later state added to the dict: this one's part only
            self._ids = dict.fromkeys(islice(self._ids, self._size))
        return self._ids

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._own()))  # a later state may add to the dict meanwhile

    def __contains__(self, contract_id: object) -> bool:
        return contract_id in self._own()

    def __or__(self, other: Contracts) -> Contracts:
        return Contracts([*self, *other])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Contracts) and self._own().keys() == other._own().keys()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Contracts({list(self)!r})"


@dataclass(frozen=True)
class PeriodCharges:
    """A period's charges as its settlement needs them, not the charges: a ledger that kept each
    one copied them all for every new one, and held every charge it ever settled."""

    due_by_team: dict[str, int] = field(default_factory=dict)  # charges of the period itself
    adjustments_fen: int = 0  # late charges of an earlier, closed period
    contracts: Contracts = field(default_factory=Contracts)  # every contract charged

    def add(self, charge: ChargeBooked) -> PeriodCharges:
        contracts = self.contracts.with_(charge.contract_id)
        if charge.late:
            return replace(self, adjustments_fen=self.adjustments_fen + charge.amount_fen, contracts=contracts)
        due = self.due_by_team.get(charge.team_id, 0) + charge.amount_fen
        return replace(self, due_by_team={**self.due_by_team, charge.team_id: due}, contracts=contracts)

    def __or__(self, other: PeriodCharges) -> PeriodCharges:
        due = dict(self.due_by_team)
        for team, amount in other.due_by_team.items():
            due[team] = due.get(team, 0) + amount
        return PeriodCharges(due, self.adjustments_fen + other.adjustments_fen, self.contracts | other.contracts)


@dataclass(frozen=True)
class Ledger:
    ref: LedgerRef
    closed_through: str | None = None
    open: dict[str, PeriodCharges] = field(default_factory=dict)  # by period
    withheld: tuple[Withheld, ...] = ()  # every share not paid out yet, however old: a release may pay it
    # By release id, for ever: a restatement re-decides the pot it names (a few a year).
    releases: dict[str, WithheldReleased] = field(default_factory=dict)
    # What only a reopening needs, from the latest settlement a release paid out on (`_forgetting_paid`):
    settlements: dict[str, PeriodSettled] = field(default_factory=dict)  # by period, until reversed
    settled: dict[str, PeriodCharges] = field(default_factory=dict)  # what they settled, reopened with them
    reversals: dict[str, int] = field(default_factory=dict)  # by period: names the next settlement
    # By the charges' origin year, then team: Σ of every charge booked (refunds deducted),
    # settled or not. A team's performance pay draws on its year's sum: kept here, the job
    # reads it from the ledger's snapshot, not every charge of every year.
    charged: dict[str, dict[str, int]] = field(default_factory=dict)


def book(ledger: Ledger, charge: ChargeBooked, calendar: Calendar, book_closed: str | None) -> ChargeBooked:
    """The charge in its own period, or as an adjustment in the next open one if that is closed:
    closed for this ledger or by the settlement book (`book_closed`), whichever is later. A
    close decides the book first and settles each ledger after: a charge arriving in between
    came after the close's decision, and goes late whether its ledger was settled yet or not."""
    closed = later(ledger.closed_through, book_closed)
    if closed is None or charge.origin_period > closed:
        return charge
    return replace(charge, period=calendar.next(closed), reason="late_adjustment")


def charged_in(ledger: Ledger, year: int) -> dict[str, int]:
    """Each team's charges (refunds deducted) of the year's periods, late ones too, by team."""
    return ledger.charged.get(str(year), {})


def later(one: str | None, other: str | None) -> str | None:
    """The later of two periods closed through (None: none closed)."""
    return max((p for p in (one, other) if p is not None), default=None)


def settle(ledger: Ledger, through: str, withheld_share: Callable[[str], Fraction], now: datetime) -> list[object]:
    """Settle every open period up to `through`; nothing when they are closed already.

    Every charge is settled exactly once: `book` puts it in a period after this ledger's
    `closed_through` (its own or a later one), which only a settle through that period takes,
    once, leaving it open no more; periods after `through` (late charges booked past the
    book's close) stay open for the close that reaches them."""
    if ledger.closed_through is not None and through <= ledger.closed_through:
        return []
    periods = sorted(p for p in ledger.open if p <= through)
    settled: list[object] = [_settlement(ledger, p, withheld_share(p), now) for p in periods]
    return [*settled, LedgerClosed(through)]


def _settlement(ledger: Ledger, period: str, share: Fraction, now: datetime) -> PeriodSettled:
    charges = ledger.open[period]
    withheld = {team: max(0, part_of(due, share)) for team, due in charges.due_by_team.items()}
    withheld = {team: amount for team, amount in withheld.items() if amount}
    due, adjustments = sum(charges.due_by_team.values()), charges.adjustments_fen
    held = sum(withheld.values())
    return PeriodSettled(
        ledger=ledger.ref,
        settlement_id=f"st-{period}-{ledger.ref.key}" + (f"-r{n}" if (n := ledger.reversals.get(period)) else ""),
        period=period,
        contracts_charged=len(charges.contracts),
        due_fen=due,
        withheld_fen=held,
        adjustments_fen=adjustments,
        payable_fen=due - held + adjustments,
        withheld_by_team=withheld,
        settled_at=now,
    )


def withheld_pot(ledger: Ledger, appraisal_period: str, subject_kind: str, subject_id: str) -> list[Withheld]:
    """What is still withheld for an appraised period (and team, when teams are appraised)."""
    team = subject_id if subject_kind == "team" else None
    return [w for w in ledger.withheld if within(appraisal_period, w.period) and team in (None, w.team_id)]


def evolve(ledger: Ledger | None, event: object) -> Ledger | None:
    match event:
        case LedgerOpened(ledger=ref, closed_through=closed):
            return Ledger(ref, closed)
        case ChargeBooked(period=p) if ledger is not None:
            open_ = {**ledger.open, p: ledger.open.get(p, PeriodCharges()).add(event)}
            return replace(ledger, open=open_, charged=_counted(ledger.charged, event))
        case PeriodSettled() if ledger is not None:
            return _settled(ledger, event)
        case SettlementReversed() if ledger is not None:
            return _reversed(ledger, event)
        case LedgerClosed(through=through) | LedgerReopened(through=through) if ledger is not None:
            return replace(ledger, closed_through=through)
        case WithheldReleased() if ledger is not None:
            return _released(ledger, event)
        case AppraisalNoted() if ledger is not None:
            return ledger
    raise ValueError(f"{type(event).__name__} does not apply to ledger {ledger}")


def _counted(charged: dict[str, dict[str, int]], charge: ChargeBooked) -> dict[str, dict[str, int]]:
    """The sums with the charge added to its origin year's and team's (the year its
    contract's period is of, even when booked late into a later one)."""
    year = charge.origin_period[:4]
    teams = charged.get(year, {})
    return {**charged, year: {**teams, charge.team_id: teams.get(charge.team_id, 0) + charge.amount_fen}}


def _settled(ledger: Ledger, event: PeriodSettled) -> Ledger:
    p = event.period
    new = tuple(Withheld(p, team, amount) for team, amount in event.withheld_by_team.items())
    settled = replace(
        ledger,
        open={k: c for k, c in ledger.open.items() if k != p},
        withheld=ledger.withheld + new,
        settlements={**ledger.settlements, p: event},
        settled=_adding(ledger.settled, p, ledger.open.get(p)),
    )
    return _forgetting_paid(settled)  # a state kept by the code before may hold what is paid out


def _reversed(ledger: Ledger, event: SettlementReversed) -> Ledger:
    p = event.period
    return replace(
        ledger,
        open=_adding(ledger.open, p, ledger.settled.get(p)),
        withheld=tuple(w for w in ledger.withheld if w.period != p),
        settlements={k: s for k, s in ledger.settlements.items() if k != p},
        settled={k: c for k, c in ledger.settled.items() if k != p},
        reversals={**ledger.reversals, p: ledger.reversals.get(p, 0) + 1},
    )


def _adding(periods: dict[str, PeriodCharges], p: str, more: PeriodCharges | None) -> dict[str, PeriodCharges]:
    """The periods' sums with `more` added to period `p`'s (as they were when there is none)."""
    if more is None:
        return periods
    return {**periods, p: periods.get(p, PeriodCharges()) | more}


def _released(ledger: Ledger, event: WithheldReleased) -> Ledger:
    paid = set(withheld_pot(ledger, event.appraisal_period, event.subject_kind, event.subject_id))
    released = replace(
        ledger,
        withheld=tuple(w for w in ledger.withheld if w not in paid),
        releases={**ledger.releases, event.release_id: event},
    )
    return _forgetting_paid(released)


def paid_out(ledger: Ledger, settlement: PeriodSettled) -> bool:
    """Whether a release paid out any of the settlement's withheld share (one that withheld
    nothing had nothing paid out: it is still withheld, as it always was for a reopening)."""
    return _paid_out(settlement, set(ledger.withheld))


def _paid_out(settlement: PeriodSettled, still: Set[Withheld]) -> bool:
    return not all(Withheld(settlement.period, t, fen) in still for t, fen in settlement.withheld_by_team.items())


def _forgetting_paid(ledger: Ledger) -> Ledger:
    """The ledger without what only a reopening of a period through its latest paid-out settlement
    would need. A reopening reverses every settlement from its period on and is refused when one
    of them was paid out (`reopening.check`); a paid-out settlement is thus never reversed, so no
    period through it is reopened or settled again, ever. That settlement is kept: the refusal of
    such a reopening finds it and names it. The withheld shares not paid out stay (a release may
    pay them), and so do the releases (a restatement of any year re-decides its pot)."""
    still = set(ledger.withheld)
    paid = next((p for p in sorted(ledger.settlements, reverse=True) if _paid_out(ledger.settlements[p], still)), None)
    if paid is None:
        return ledger
    return replace(
        ledger,
        settlements={p: s for p, s in ledger.settlements.items() if p >= paid},
        settled={p: c for p, c in ledger.settled.items() if p > paid},
        reversals={p: n for p, n in ledger.reversals.items() if p > paid},
    )
