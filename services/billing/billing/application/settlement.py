"""Settling: closing periods for every ledger, and releasing withheld shares on appraisal."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from billing.application.commands import ClosePeriods, ReleaseWithheld, ReopenPeriods
from billing.application.streams import BOOK, BOOKS, LEDGERS
from billing.domain import book, ledger, release, reopening
from billing.domain.errors import NoFeeRule
from billing.domain.fee_rules import FeeRules, ReleaseRule
from billing.domain.periods import Calendar, appraisal_year
from shared.commands import Session, Work
from shared.eventstore import EventStore


class Settlement:
    def __init__(self, rules: FeeRules, calendar: Calendar) -> None:
        self.rules, self.calendar = rules, calendar

    def close_periods(self, command: ClosePeriods, store: EventStore | None = None) -> Work:
        """Given the store, the batch loads every known ledger at once (one query)."""

        def handle(session: Session) -> dict[str, Any]:
            the_book = session.load(BOOKS, BOOK).state
            closing = book.close(the_book, command.period, command.today, self.calendar, session.context.now)
            if closing is None:
                return _closed(the_book.closed_through, already=True, settled=[])
            session.record(BOOKS, BOOK, closing)
            settled: list[ledger.PeriodSettled] = []
            for key in the_book.ledgers:
                found = session.load(LEDGERS, key).state
                assert found is not None
                events = ledger.settle(found, closing.through, self._withheld_share(found.ref), session.context.now)
                session.record(LEDGERS, key, *events)
                settled += [e for e in events if isinstance(e, ledger.PeriodSettled)]
            return _closed(closing.through, already=False, settled=settled)

        known = BOOKS.fold(store.read(BOOKS.stream_id(BOOK)))[0].ledgers if store else {}
        return Work(handle, reads=[(BOOKS, BOOK), *((LEDGERS, key) for key in known)])

    def reopen_periods(self, command: ReopenPeriods, store: EventStore) -> Work:
        """Every ledger's settlements from the period on reversed, or none (one transaction)."""

        def handle(session: Session) -> dict[str, Any]:
            the_book = session.load(BOOKS, BOOK).state
            reopened = book.reopen(the_book, command.period, command.reason, self.calendar, session.context.now)
            session.record(BOOKS, BOOK, reopened)
            reversed_: list[ledger.SettlementReversed] = []
            for key in the_book.ledgers:
                found = session.load(LEDGERS, key).state
                assert found is not None
                events = reopening.reverse(found, reopened)
                session.record(LEDGERS, key, *events)
                reversed_ += [e for e in events if isinstance(e, ledger.SettlementReversed)]
            return {
                "closed_through": reopened.through,
                "reversals": len(reversed_),
                "payable_fen": sum(r.payable_fen for r in reversed_),
                "withheld_fen": sum(r.withheld_fen for r in reversed_),
            }

        known = BOOKS.fold(store.read(BOOKS.stream_id(BOOK)))[0].ledgers
        return Work(handle, reads=[(BOOKS, BOOK), *((LEDGERS, key) for key in known)])

    def release_withheld(self, command: ReleaseWithheld) -> Work:
        result = command.result

        def handle(session: Session) -> dict[str, Any]:
            released = []
            for key in session.load(BOOKS, BOOK).state.of_institution(result.institution_id):
                found = session.load(LEDGERS, key).state
                assert found is not None
                event = release.release(found, result, self._release_rule(found.ref, result), session.context.now)
                if event is None:
                    session.record(LEDGERS, key, ledger.AppraisalNoted(result.result_id))
                    continue
                session.record(LEDGERS, key, event)
                released.append({"release_id": event.release_id, "released_fen": event.released_fen})
            return {"appraisal_result_id": result.result_id, "releases": released}

        return Work(handle, reads=[(BOOKS, BOOK)])

    def _withheld_share(self, ref: ledger.LedgerRef) -> Any:
        def share(period: str) -> Fraction:
            try:
                return self.rules.for_(ref.area_code, int(period[:4])).withheld_share(ref.payer)
            except NoFeeRule:
                return Fraction(0)

        return share

    def _release_rule(self, ref: ledger.LedgerRef, result: release.AppraisalResult) -> ReleaseRule:
        try:
            return self.rules.for_(ref.area_code, appraisal_year(result.period)).release
        except NoFeeRule:
            return ReleaseRule()


def _closed(through: str | None, already: bool, settled: list[ledger.PeriodSettled]) -> dict[str, Any]:
    return {
        "closed_through": through,
        "already_closed": already,
        "settlements": len(settled),
        "payable_fen": sum(s.payable_fen for s in settled),
        "withheld_fen": sum(s.withheld_fen for s in settled),
    }
