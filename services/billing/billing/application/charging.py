"""Charging contracts: each started contract's years to their payers, refunds when it ends."""

from __future__ import annotations

from typing import Any

from billing.application.commands import ChargeContract, EndContract, ReinstateContract
from billing.application.postings import Posting, ledger_reads, post
from billing.application.streams import ACCOUNTS
from billing.application.views import account_view
from billing.domain import account
from billing.domain.fee_rules import FeeRules
from billing.domain.periods import Calendar
from shared.commands import Session, Work
from shared.domain import DomainError


class Charging:
    def __init__(self, rules: FeeRules, calendar: Calendar) -> None:
        self.rules, self.calendar = rules, calendar

    def charge_contract(self, command: ChargeContract) -> Work:
        terms = command.terms

        def handle(session: Session) -> dict[str, Any]:
            found = session.load(ACCOUNTS, terms.contract_id).state
            try:
                events = account.open_contract(
                    found,
                    terms,
                    lambda year: self.rules.for_(terms.area_code, year),
                    self.calendar,
                    session.context.now,
                )
            except DomainError as refused:
                return _refuse(session, terms.contract_id, refused)
            session.record(ACCOUNTS, terms.contract_id, *events)
            for year in events:
                if isinstance(year, account.YearCharged):
                    for payer, amount in year.shares.items():
                        posting = Posting(payer, amount, year.contract_year, year.period, "annual_fee")
                        post(session, terms, posting, self.calendar)
            return _view(session, terms.contract_id)

        return Work(handle, reads=[(ACCOUNTS, terms.contract_id), *ledger_reads(terms)])

    def end_contract(self, command: EndContract) -> Work:
        c = command

        def handle(session: Session) -> dict[str, Any]:
            found = session.load(ACCOUNTS, c.contract_id).state
            try:
                events = account.end_contract(found, c.reason, c.last_day, c.known_on, self.calendar)
            except DomainError as refused:
                return _refuse(session, c.contract_id, refused)
            session.record(ACCOUNTS, c.contract_id, *events)
            assert found.terms is not None  # end_contract refused an unknown contract
            for refund in events:
                if isinstance(refund, account.YearRefunded):
                    for payer, amount in refund.refunds.items():
                        if amount:
                            posting = Posting(payer, amount, refund.contract_year, refund.period, "pro_rata_refund")
                            post(session, found.terms, posting, self.calendar)
            return _view(session, c.contract_id)

        return Work(handle, reads=[(ACCOUNTS, c.contract_id)])

    @staticmethod
    def reinstate_contract(command: ReinstateContract) -> Work:
        def handle(session: Session) -> dict[str, Any]:
            found = session.load(ACCOUNTS, command.contract_id).state
            try:
                events = account.reinstate(found)
            except DomainError as refused:
                return _refuse(session, command.contract_id, refused)
            session.record(ACCOUNTS, command.contract_id, *events)
            return _view(session, command.contract_id)

        return Work(handle, reads=[(ACCOUNTS, command.contract_id)])


def _refuse(session: Session, contract_id: str, refused: DomainError) -> dict[str, Any]:
    """Keep the refusal on the account (to be seen and acted on) rather than block the stream."""
    session.record(ACCOUNTS, contract_id, account.ChargingRefused(refused.code, str(refused)))
    return _view(session, contract_id)


def _view(session: Session, contract_id: str) -> dict[str, Any]:
    state, version = session.load(ACCOUNTS, contract_id)
    return account_view(contract_id, state, version)
