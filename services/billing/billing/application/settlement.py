"""Settling: closing periods ledger by ledger, correcting a closed period, and releasing
withheld shares on appraisal.

A close is a job of commands, not one: the book's decision first (`close_book`: `PeriodsClosed`,
or already closed), then a command for each ledger (`settle_ledger`) settling it through the
book's close when it is behind, reading and writing that ledger alone (and reading the book).
A charge posted to a ledger meanwhile conflicts with that ledger's command only, which is
decided again; it is booked late by the book's close (`ledger.book`), so it is settled once,
by the next close. A job stopped halfway leaves ledgers behind the book: the next run, under
the same key or a new one, settles them, since a ledger's part runs whatever the book's part
answered. A run whose ledgers' parts all came after the book's decision, with none since, notes
on the book that every ledger is settled (`note_settled`); the book's part of a close run again
then says it is complete, and the run sends no ledger a command, where each would have written a
receipt (a province's 20,000) to settle nothing.

Reopening, an administrator's rare correction, keeps its refusal all or none, as when it was
one transaction: `check_reopening` reads every ledger, a batch at a time and writing nothing,
and refuses (withheld-already-released) if a release paid out a withheld share of a settlement
it would reverse; then the book's `PeriodsReopened` (`reopen_book`), then a command for each
ledger appending its reversals (`reverse_ledger`); a run stopped halfway goes on under the same
key (a new key finds the period open: period-not-closed). A release can still come between the check and a
ledger's reversal (an appraisal result arriving then). That ledger is then kept as it stands:
nothing of it is reversed and it stays closed through its own later period, exactly as the
refusal would have kept it, and the answer counts it (`ledgers_kept`) for the administrator to
restate the appraisal if need be. Its money stays exact: a charge to it is booked after the
later of its close and the book's (`ledger.book`), and a close settles it only once the book
passes its own close. A ledger's reversal runs only while the book holds the period open: once
a close has closed it again, a ledger not yet reversed keeps its settlements the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
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
from shared.eventstore.streams import read_states

SETTLED = ("settlements", "payable_fen", "withheld_fen")  # what a close's ledgers add up to
REVERSED = ("reversals", "payable_fen", "withheld_fen", "ledgers_kept")  # and a reopening's
DECISION, COMPLETE = "decision", "complete"  # of the book's part's result, for the run: not answered
_CHECKED_AT_ONCE = 500  # ledgers a reopening's check reads in one query: its memory stays a batch's


class Settlement:
    def __init__(self, rules: FeeRules, calendar: Calendar) -> None:
        self.rules, self.calendar = rules, calendar

    def close_book(self, command: ClosePeriods) -> Work:
        """The close's decision: the book closed through the period, or already closed; for the
        run, the decision its ledgers are settled through and whether every one is already (its
        receipt keeps them: the same key again sends the ledgers the commands it first did)."""

        def handle(session: Session) -> dict[str, Any]:
            the_book = session.load(BOOKS, BOOK).state
            closing = book.close(the_book, command.period, command.today, self.calendar, session.context.now)
            if closing is not None:
                the_book = session.record(BOOKS, BOOK, closing).state
            return {
                "closed_through": the_book.closed_through,
                "already_closed": closing is None,
                DECISION: the_book.decisions,
                COMPLETE: the_book.all_settled,
            }

        return Work(handle, reads=[(BOOKS, BOOK)])

    def settle_ledger(self, key: str) -> Work:
        """A ledger settled through the book's close when it is behind it; nothing otherwise."""

        def handle(session: Session) -> dict[str, Any]:
            through = session.load(BOOKS, BOOK).state.closed_through
            found = session.load(LEDGERS, key).state
            assert found is not None
            now = session.context.now
            events = ledger.settle(found, through, self._withheld_share(found.ref), now) if through else []
            session.record(LEDGERS, key, *events)
            settled = [e for e in events if isinstance(e, ledger.PeriodSettled)]
            return {
                "settlements": len(settled),
                "payable_fen": sum(s.payable_fen for s in settled),
                "withheld_fen": sum(s.withheld_fen for s in settled),
            }

        return Work(handle, reads=[(BOOKS, BOOK), (LEDGERS, key)])

    @staticmethod
    def note_settled(decision: int) -> Work:
        """Every ledger settled through the book's close of `decision`: a close's run, once each
        ledger's part ran after that decision (`book.settled`: not if the book decided since)."""

        def handle(session: Session) -> dict[str, Any]:
            noted = book.settled(session.load(BOOKS, BOOK).state, decision, session.context.now)
            if noted is not None:
                session.record(BOOKS, BOOK, noted)
            return {"noted": noted is not None}

        return Work(handle, reads=[(BOOKS, BOOK)])

    def check_reopening(self, command: ReopenPeriods, store: EventStore) -> None:
        """Refuse a reopening, before anything is written, as the book or a ledger would. A book
        that holds the period open already is a reopening decided before (the same key again
        goes on with its ledgers) or refused by the book's own command (period-not-closed)."""
        the_book = BOOKS.fold(store.read(BOOKS.stream_id(BOOK)))[0]
        if the_book.closed_through is not None and command.period <= the_book.closed_through:
            book.may_reopen(the_book, command.period, command.reason, self.calendar)
            for found in _ledgers(store, list(the_book.ledgers)):
                reopening.check(found, command.period)

    def reopen_book(self, command: ReopenPeriods) -> Work:
        """The reopening's decision: the book closed through the period before."""

        def handle(session: Session) -> dict[str, Any]:
            the_book = session.load(BOOKS, BOOK).state
            reopened = book.reopen(the_book, command.period, command.reason, self.calendar, session.context.now)
            session.record(BOOKS, BOOK, reopened)
            return {"closed_through": reopened.through}

        return Work(handle, reads=[(BOOKS, BOOK)])

    def reverse_ledger(self, command: ReopenPeriods, key: str) -> Work:
        """A ledger's settlements from the period on reversed, while the book holds it open; kept
        when a release paid out a withheld share of them since the check (see the module's doc)."""

        def handle(session: Session) -> dict[str, Any]:
            closed = session.load(BOOKS, BOOK).state.closed_through
            found = session.load(LEDGERS, key).state
            assert found is not None
            if closed is not None and closed >= command.period:  # closed again since: its settlements stand
                return _reversed([], kept=False)
            if reopening.released(found, command.period):
                return _reversed([], kept=True)
            reopened = book.reopening(command.period, command.reason, self.calendar, session.context.now)
            events = reopening.reverse(found, reopened)
            session.record(LEDGERS, key, *events)
            return _reversed(events, kept=False)

        return Work(handle, reads=[(BOOKS, BOOK), (LEDGERS, key)])

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


def ledger_keys(store: EventStore) -> list[str]:
    """Every ledger the book knows, in the order registered: the parts of a close."""
    return list(BOOKS.fold(store.read(BOOKS.stream_id(BOOK)))[0].ledgers)


def _ledgers(store: EventStore, keys: list[str]) -> Iterator[ledger.Ledger]:
    """The ledgers, read (each from its snapshot) and folded a batch at a time: never all of
    them held at once."""
    for at in range(0, len(keys), _CHECKED_AT_ONCE):
        for found, _ in read_states(store, LEDGERS, keys[at : at + _CHECKED_AT_ONCE]).values():
            if found is not None:
                yield found


def _reversed(events: list[object], kept: bool) -> dict[str, Any]:
    reversals = [e for e in events if isinstance(e, ledger.SettlementReversed)]
    return {
        "reversals": len(reversals),
        "payable_fen": sum(r.payable_fen for r in reversals),
        "withheld_fen": sum(r.withheld_fen for r in reversals),
        "ledgers_kept": int(kept),
    }
