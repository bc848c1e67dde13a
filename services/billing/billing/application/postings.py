"""Posting a payer's part of a contract year to its ledger (opening the ledger if new)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billing.application.streams import BOOK, BOOKS, LEDGERS
from billing.domain import ledger
from billing.domain.account import ContractTerms
from billing.domain.book import LedgerRegistered
from billing.domain.fee_rules import PAYERS, Payer
from billing.domain.periods import Calendar
from shared.commands import Session
from shared.eventstore.streams import StreamType


@dataclass(frozen=True)
class Posting:
    payer: Payer
    amount_fen: int
    contract_year: int
    origin_period: str
    reason: str  # annual_fee or pro_rata_refund


def ledger_ref(terms: ContractTerms, payer: Payer) -> ledger.LedgerRef:
    """The insurance fund's share is owed by the resident's own bureau."""
    bureau = terms.bureau_id if payer == "insurance_fund" else None
    return ledger.LedgerRef(terms.institution_id, terms.area_code, payer, bureau)


def ledger_reads(terms: ContractTerms) -> list[tuple[StreamType[Any], str]]:
    """Every stream a posting for this contract may read, for the batch to load at once."""
    keys = [ledger_ref(terms, payer).key for payer in PAYERS]
    return [(BOOKS, BOOK), *((LEDGERS, key) for key in keys)]


def post(session: Session, terms: ContractTerms, posting: Posting, calendar: Calendar) -> ledger.ChargeBooked:
    ref = ledger_ref(terms, posting.payer)
    found = session.load(LEDGERS, ref.key).state
    book = session.load(BOOKS, BOOK).state  # among the posting's reads: its close decides late too
    if found is None:
        session.record(BOOKS, BOOK, LedgerRegistered(ref.key, ref.institution_id))
        found = session.record(LEDGERS, ref.key, ledger.LedgerOpened(ref, book.closed_through)).state
    assert found is not None
    kind = "refund" if posting.reason == "pro_rata_refund" else "charge"
    charge = ledger.ChargeBooked(
        ledger=ref,
        charge_id=f"{terms.contract_id}/{posting.contract_year}/{posting.payer}/{kind}",
        contract_id=terms.contract_id,
        resident_ref=terms.resident_ref,
        team_id=terms.team_id,
        contract_year=posting.contract_year,
        period=posting.origin_period,
        origin_period=posting.origin_period,
        amount_fen=posting.amount_fen,
        reason=posting.reason,
        booked_at=session.context.now,
    )
    booked = ledger.book(found, charge, calendar, book.closed_through)
    session.record(LEDGERS, ref.key, booked)
    return booked
