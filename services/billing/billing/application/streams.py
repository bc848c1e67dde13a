"""How billing's aggregates are kept in its store: stream prefixes, event names, folds."""

from __future__ import annotations

from billing.domain import account, book, capitation_year, ledger
from shared.eventstore.streams import EventTypes, StreamType

EVENTS = EventTypes("billing")
for event_class in (
    account.ContractOpened,
    account.YearCharged,
    account.YearRefunded,
    account.ContractEnded,
    account.ContractReinstated,
    account.ChargingRefused,
    ledger.LedgerOpened,
    ledger.ChargeBooked,
    ledger.PeriodSettled,
    ledger.LedgerClosed,
    ledger.SettlementReversed,
    ledger.LedgerReopened,
    ledger.WithheldReleased,
    ledger.AppraisalNoted,
    book.LedgerRegistered,
    book.PeriodsClosed,
    book.PeriodsReopened,
    capitation_year.CoverageNoted,
    capitation_year.CoverageEnded,
    capitation_year.ClaimNoted,
    capitation_year.ResidentInYear,
    capitation_year.ReferralFeeCharged,
    capitation_year.CapitationReconciliationRecorded,
):
    EVENTS.register(event_class)

ACCOUNTS: StreamType[account.Account] = StreamType("account", account.Account(), account.evolve, EVENTS)
LEDGERS: StreamType[ledger.Ledger | None] = StreamType("ledger", None, ledger.evolve, EVENTS)
BOOKS: StreamType[book.Book] = StreamType("book", book.Book(), book.evolve, EVENTS)
BOOK = "settlement"  # the one settlement book of a deployment
# Capitation: a resident's coverages and claims, and a year's residents, referral fees and reconciliations.
RESIDENTS: StreamType[capitation_year.ResidentCapitation] = StreamType(
    "capitation-resident", capitation_year.ResidentCapitation(), capitation_year.evolve_resident, EVENTS
)
YEARS: StreamType[capitation_year.CapitationYear] = StreamType(
    "capitation-year", capitation_year.CapitationYear(), capitation_year.evolve_year, EVENTS
)
