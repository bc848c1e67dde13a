"""How billing's aggregates are kept in its store: stream prefixes, event names, folds."""

from __future__ import annotations

from billing.domain import account, book, capitation_index, capitation_year, ledger
from billing.domain import performance_year as py
from shared.eventstore.snapshots import Snapshots
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
    book.LedgersSettled,
    capitation_year.CoverageNoted,
    capitation_year.CoverageEnded,
    capitation_year.ClaimNoted,
    capitation_year.ResidentInYear,
    capitation_year.TeamCovered,
    capitation_year.ReferralFeeCharged,
    capitation_year.CapitationAdvanceBooked,
    py.ContributionNoted,
    py.MemberInTeamYear,
    py.TeamAppraised,
    py.PerformancePayRecorded,
):
    EVENTS.register(event_class)
# v2: the figures net the monthly advances (`advanced_fen`, `balance_due_fen`).
# v2: the team's area, so a read or job in an area reads only its teams.
EVENTS.register(py.TeamInYear, version=2, upcasters={1: py.team_in_year_v1_to_v2})
EVENTS.register(
    capitation_year.CapitationReconciliationRecorded,
    version=2,
    upcasters={1: capitation_year.reconciliation_v1_to_v2},
)

ACCOUNTS: StreamType[account.Account] = StreamType("account", account.Account(), account.evolve, EVENTS)
# A ledger's stream gains a charge for each contract of its institution, year after year: kept
# (a period's contracts as the list of their ids).
LEDGERS: StreamType[ledger.Ledger | None] = StreamType(
    "ledger",
    None,
    ledger.evolve,
    EVENTS,
    snapshots=Snapshots.of(ledger.Ledger | None, "ledger.v1", kept_as={ledger.Contracts: (list[str], list)}),
)
BOOKS: StreamType[book.Book] = StreamType("book", book.Book(), book.evolve, EVENTS, book.book_of)
BOOK = "settlement"  # the one settlement book of a deployment
# Capitation: a resident's coverages and claims; an institution's year (referral fees, advances,
# reconciliations) and its roster, each keyed "<year>~<institution>"; the year's index of teams.
RESIDENTS: StreamType[capitation_year.ResidentCapitation] = StreamType(
    "capitation-resident", capitation_year.ResidentCapitation(), capitation_year.evolve_resident, EVENTS
)
INSTITUTION_YEARS: StreamType[capitation_year.CapitationYear] = StreamType(
    "capitation-institution-year",
    capitation_year.CapitationYear(),
    capitation_year.evolve_year,
    EVENTS,
    capitation_year.year_of_institution,
)
# A roster gains each resident of an institution's year: its state is nothing, its version all a
# command needs, which a snapshot gives without decoding the year's residents.
ROSTERS: StreamType[None] = StreamType(
    "capitation-roster", None, capitation_year.evolve_roster, EVENTS, snapshots=Snapshots.of(None, "roster.v1")
)
YEARS: StreamType[capitation_index.CapitationYearIndex] = StreamType(
    "capitation-year",
    capitation_index.CapitationYearIndex(),
    capitation_index.evolve_index,
    EVENTS,
    capitation_index.index_of,
)
# Performance pay: a member's contributions in a team's year, the team's year, the year's teams.
MEMBER_YEARS: StreamType[py.MemberYear] = StreamType(
    "performance-member", py.MemberYear(), py.evolve_member, EVENTS, py.member_of
)
TEAM_YEARS: StreamType[py.TeamYear] = StreamType("performance-team", py.TeamYear(), py.evolve_team, EVENTS)
PAY_YEARS: StreamType[py.PerformanceYear] = StreamType(
    "performance-year", py.PerformanceYear(), py.evolve_year, EVENTS, py.year_of
)
