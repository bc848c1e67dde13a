"""A contract's account in billing: each contract year charged to its payers, and the
unused days refunded pro rata when the contract ends early.

Only the contract's package fees are charged: services outside the agreement never
reach the contract (they are charged to whoever receives them, not here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction

from billing.domain.errors import ContractAlreadyOpened, UnknownContract
from billing.domain.fee_rules import FeeRule, Payer
from billing.domain.money import round_half_up, split
from billing.domain.periods import Calendar


@dataclass(frozen=True)
class ContractTerms:
    """What billing needs of a contract (from signing's public events)."""

    contract_id: str
    resident_ref: str
    team_id: str
    institution_id: str
    area_code: str
    bureau_id: str | None
    medical_assistance: bool
    annual_fee_fen: int
    term_years: int
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ContractOpened:
    terms: ContractTerms
    opened_at: datetime


@dataclass(frozen=True)
class YearCharged:
    """One contract year's fee, split between its payers, in the period the year starts."""

    contract_year: int
    starts_on: date
    ends_on: date
    period: str
    shares: dict[Payer, int]


@dataclass(frozen=True)
class YearRefunded:
    """The unused days of a contract year given back, per payer (negative amounts)."""

    contract_year: int
    last_day: date
    unused_days: int
    period: str
    refunds: dict[Payer, int]


@dataclass(frozen=True)
class ContractEnded:
    reason: str
    last_day: date


@dataclass(frozen=True)
class ContractReinstated:
    """Signing undid a wrong expiry: the account is open again, so a real ending later is
    refunded. Undoing the expiry moves no money: an expiry ends a contract on its term's last
    day, so it refunded nothing."""

    last_day: date


@dataclass(frozen=True)
class ChargingRefused:
    """An incoming event billing could not act on (no fee rule, unknown contract): kept
    on the account, so it is seen and can be acted on, instead of blocking the stream."""

    code: str
    reason: str


@dataclass(frozen=True)
class Account:
    terms: ContractTerms | None = None
    years: dict[int, YearCharged] = field(default_factory=dict)
    refunded: dict[int, YearRefunded] = field(default_factory=dict)
    ended: ContractEnded | None = None
    refusals: tuple[ChargingRefused, ...] = ()


def contract_years(starts_on: date, ends_on: date) -> list[tuple[int, date, date]]:
    """(number, first day, last day) of each contract year of a term."""
    years, start, number = [], starts_on, 1
    while start <= ends_on:
        end = min(_anniversary(starts_on, number) - timedelta(days=1), ends_on)
        years.append((number, start, end))
        start, number = end + timedelta(days=1), number + 1
    return years


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: in a common year the anniversary is 1 March
        return date(day.year + years, 3, 1)


def open_contract(
    account: Account, terms: ContractTerms, rule_for: Callable[[int], FeeRule], calendar: Calendar, now: datetime
) -> list[object]:
    """The contract opened, and each of its years charged by the rule of that year."""
    if account.terms is not None:
        raise ContractAlreadyOpened(f"contract {terms.contract_id} is already charged")
    events: list[object] = [ContractOpened(terms, now)]
    insured = terms.bureau_id is not None
    for number, first, last in contract_years(terms.starts_on, terms.ends_on):
        shares = rule_for(first.year).split_fee(terms.annual_fee_fen, insured, terms.medical_assistance)
        events.append(YearCharged(number, first, last, calendar.period_of(first), shares))
    return events


def end_contract(account: Account, reason: str, last_day: date, known_on: date, calendar: Calendar) -> list[object]:
    """Refund, per payer and pro rata by day, what the contract will not use after `last_day`."""
    if account.terms is None:
        raise UnknownContract("billing has not charged this contract")
    if account.ended is not None:
        return []
    refunds = [r for year in account.years.values() if (r := _refund(year, last_day, known_on, calendar))]
    return [*refunds, ContractEnded(reason, last_day)]


def reinstate(account: Account) -> list[ContractReinstated]:
    """Undo a noted expiry (nothing to undo if none was noted: told twice, or ended otherwise)."""
    if account.terms is None:
        raise UnknownContract("billing has not charged this contract")
    if account.ended is None or account.ended.reason != "expired":
        return []
    return [ContractReinstated(account.terms.ends_on)]


def _refund(year: YearCharged, last_day: date, known_on: date, calendar: Calendar) -> YearRefunded | None:
    if last_day >= year.ends_on or not year.shares:
        return None
    days = (year.ends_on - year.starts_on).days + 1
    unused = min(days, (year.ends_on - last_day).days)
    total = sum(year.shares.values())
    refund = round_half_up(Fraction(total * unused, days))
    # A year not started yet is cancelled in its own (open) period; otherwise the refund
    # falls in the period in which the ending became known.
    period = max(year.period, calendar.period_of(known_on))
    return YearRefunded(year.contract_year, last_day, unused, period, split(-refund, year.shares))


def evolve(account: Account, event: object) -> Account:
    match event:
        case ContractOpened(terms=terms):
            return replace(account, terms=terms)
        case YearCharged(contract_year=n):
            return replace(account, years={**account.years, n: event})
        case YearRefunded(contract_year=n):
            return replace(account, refunded={**account.refunded, n: event})
        case ContractEnded():
            return replace(account, ended=event)
        case ContractReinstated():
            return replace(account, ended=None)
        case ChargingRefused():
            return replace(account, refusals=(*account.refusals, event))
    raise ValueError(f"{type(event).__name__} does not apply to a contract account")
