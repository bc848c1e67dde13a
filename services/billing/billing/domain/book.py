"""The settlement book: which ledgers exist and how far periods are closed.

Closing is one decision for all ledgers, recorded here first; each ledger is then settled
through it by a command of its own, and a charge posted in between is booked late by the
book's close (`ledger.book`), so the decision holds for every ledger however long the
settling takes. Once a run's commands settled every ledger through a close, it is noted here
(`LedgersSettled`), and a close run again sends the ledgers no command. A charge to a ledger
that did not exist yet registers it here, so a close and a new ledger never miss each other
(both write here), and the new ledger opens closed through the book's close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import reduce

from billing.domain.errors import AsOfInTheFuture, InvalidReopeningReason, PeriodNotClosed, PeriodNotOver
from billing.domain.periods import Calendar

REOPENING_REASONS = ("closed_too_early", "wrong_period", "operator_error")


@dataclass(frozen=True)
class LedgerRegistered:
    ledger_key: str
    institution_id: str


@dataclass(frozen=True)
class PeriodsClosed:
    through: str
    closed_at: datetime


@dataclass(frozen=True)
class PeriodsReopened:
    """An operator's correction: `period` and every later one are open again; the book is
    closed through the period before (`through`). See `reopening.py`."""

    period: str
    through: str
    reason: str
    reopened_at: datetime


@dataclass(frozen=True)
class LedgersSettled:
    """Every ledger is settled through the book's close as of its `decision` (`Book.decisions`):
    a close's run ran a command for each ledger, all after that decision and before the next."""

    decision: int
    through: str
    settled_at: datetime


@dataclass(frozen=True)
class Book:
    """The ledgers (a province's tens of thousands), and each institution's, which a release
    of its withheld shares and its teams' performance pay read (a scan of every ledger each)."""

    closed_through: str | None = None
    ledgers: dict[str, str] = field(default_factory=dict)  # ledger key → institution
    by_institution: dict[str, tuple[str, ...]] = field(default_factory=dict)  # in the order registered
    decisions: int = 0  # closes and reopenings: a ledger may be behind the book after each
    settled: int = 0  # the last decision every ledger was settled through (none: 0)

    @property
    def all_settled(self) -> bool:
        """Every ledger is closed through the book's close (or later): a close has nothing to
        settle. A ledger's close moves back only by a reopening, the book's only by a close,
        each a decision, and a ledger registered since opens closed through the book's close."""
        return self.settled == self.decisions

    def of_institution(self, institution_id: str) -> list[str]:
        return list(self.by_institution.get(institution_id, ()))


def close(book: Book, period: str, today: date, calendar: Calendar, now: datetime) -> PeriodsClosed | None:
    """Close every period up to `period` once it is over; None if it is closed already."""
    calendar.check(period)
    if book.closed_through is not None and period <= book.closed_through:
        return None
    if period >= calendar.period_of(today):  # "YYYY-MM" strings order as the periods do
        raise PeriodNotOver(f"period {period} is not over on {today}: close it after its last day")
    return PeriodsClosed(period, now)


def settled(book: Book, decision: int, now: datetime) -> LedgersSettled | None:
    """Every ledger settled through the close of `decision`, by a run whose ledgers' commands all
    came after it: noted when the book decided nothing since (else some command may have
    settled through another close), once."""
    if book.decisions != decision or book.all_settled or book.closed_through is None:
        return None
    return LedgersSettled(decision, book.closed_through, now)


def reopen(book: Book, period: str, reason: str, calendar: Calendar, now: datetime) -> PeriodsReopened:
    may_reopen(book, period, reason, calendar)
    return reopening(period, reason, calendar, now)


def may_reopen(book: Book, period: str, reason: str, calendar: Calendar) -> None:
    """Refuse a reopening the book cannot take: a reason not known, a period not closed."""
    calendar.check(period)
    if reason not in REOPENING_REASONS:
        raise InvalidReopeningReason(f"a period is reopened for one of {', '.join(REOPENING_REASONS)}")
    if book.closed_through is None or period > book.closed_through:
        raise PeriodNotClosed(f"period {period} is not closed (closed through {book.closed_through})")


def reopening(period: str, reason: str, calendar: Calendar, now: datetime) -> PeriodsReopened:
    """The reopening of `period`, as the book decided it: what each ledger then follows."""
    before = calendar.period_of(calendar.first_day(period) - timedelta(days=1))
    return PeriodsReopened(period, before, reason, now)


def closing_day(as_of: date | None, today: date) -> date:
    """The day a close runs for: today by default, never a day that has not come (a later
    one would settle months that have not happened)."""
    if as_of is not None and as_of > today:
        raise AsOfInTheFuture(f"as_of {as_of} is later than today ({today}): close only what is over")
    return as_of or today


def evolve(book: Book, event: object) -> Book:
    match event:
        case LedgerRegistered(ledger_key=key) if key in book.ledgers:
            return book  # its key begins with its institution's id: registered again, nothing new
        case LedgerRegistered(ledger_key=key, institution_id=institution):
            theirs = (*book.by_institution.get(institution, ()), key)
            return replace(
                book,
                ledgers={**book.ledgers, key: institution},
                by_institution={**book.by_institution, institution: theirs},
            )
        case PeriodsClosed(through=through) | PeriodsReopened(through=through):
            return replace(book, closed_through=through, decisions=book.decisions + 1)
        case LedgersSettled(decision=decision):
            return replace(book, settled=decision)
    raise ValueError(f"{type(event).__name__} does not apply to the settlement book")


def book_of(events: Iterable[object]) -> Book:
    """The book from its events at once: `evolve` copies the ledgers for each new one, which a
    command's cached book takes a ledger at a time, but a book read from the store (a close, a
    reopening, a job) would pay for each (20,000 ledgers: 2 s)."""
    ledgers: dict[str, str] = {}
    by_institution: dict[str, list[str]] = {}
    closing = []
    for event in events:
        if not isinstance(event, LedgerRegistered):
            closing.append(event)
        elif event.ledger_key not in ledgers:
            ledgers[event.ledger_key] = event.institution_id
            by_institution.setdefault(event.institution_id, []).append(event.ledger_key)
    indexed = {institution: tuple(keys) for institution, keys in by_institution.items()}
    return reduce(evolve, closing, Book(None, ledgers, indexed))
