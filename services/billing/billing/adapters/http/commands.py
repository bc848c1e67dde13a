"""Billing's HTTP API for its commands and rules: request → command → handler → response."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Path, Query, Request, Response

from billing.adapters.files.fee_rules import FeeRulesFile
from billing.adapters.http import inputs
from billing.adapters.http.schemas import (
    PeriodClose,
    PeriodReopening,
    PeriodsClosed,
    PeriodsReopened,
    SettlementBook,
)
from billing.application import access
from billing.application.commands import ClosePeriods, ReopenPeriods
from billing.application.settlement import COMPLETE, DECISION, REVERSED, SETTLED, Settlement, ledger_keys
from billing.application.streams import ACCOUNTS, BOOK, BOOKS
from billing.application.views import account_view
from billing.domain.book import closing_day
from billing.domain.errors import UnknownContract
from billing.domain.fee_rules import FeeRules
from shared.commands import Outcome
from shared.web.app import today
from shared.web.auth import CurrentPrincipal
from shared.web.bounds import MONTH_ONLY
from shared.web.commands import Call, IdempotencyKey, present, respond, run_command
from shared.web.openapi import problem_responses

PROBLEMS = problem_responses(401, 403, described={422: "Invalid request"})
router = APIRouter(tags=["billing"], responses=PROBLEMS)


@router.get("/fee-rules", response_model=FeeRulesFile, summary="The fee rules of this deployment")
async def fee_rules(request: Request, who: CurrentPrincipal) -> FeeRulesFile:
    published: FeeRulesFile = request.app.state.fee_rules_file
    return published


@router.get("/fee-rules/in-force", summary="The rule that splits fees in an area in a year")
async def fee_rule_in_force(
    request: Request, who: CurrentPrincipal, area_code: str = Query(pattern=r"^\d{6,12}$"), year: int = Query()
) -> dict[str, Any]:
    rules: FeeRules = request.app.state.rules
    rule = rules.for_(area_code, year)
    return {
        "area_prefix": rule.area_prefix,
        "year": rule.year,
        "shares_percent": {payer: _percent(share) for payer, share in rule.shares.items()},
        "withheld_percent": {payer: _percent(share) for payer, share in rule.withheld.items()},
        "release": {
            "subject_kind": rule.release.subject_kind,
            "none_below": _percent(rule.release.none_below),
            "full_at": _percent(rule.release.full_at),
        },
    }


def _percent(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


AT_ONCE = 256  # ledgers' commands sent together: a batch of the processor's, one commit
_EACH = (
    " A job of commands, each under the Idempotency-Key and its part: the book's decision (`<key>/book`), then a "
    "command for each ledger (`<key>/<ledger>`), which a charge posted to another ledger meanwhile never "
    "conflicts with. The same key again replays the parts done and does the rest (a run stopped halfway goes on "
    "where it stopped); the figures add up every part's."
)


@router.post(
    "/settlement-periods/close",
    response_model=PeriodsClosed,
    summary="Close settlement periods (the scheduler's command)",
    description="Settles every open period up to `period` for every payer and institution: due, withheld "
    "pending appraisal, adjustments, payable (one FeeSettled each). Closing a closed period settles only the "
    "ledgers a close stopped halfway left behind (`already_closed`: the book was closed before), and sends the "
    "ledgers no command once a run settled them all; a charge "
    "posted after the book's decision goes into the next open period as a late adjustment, whether its ledger "
    "was settled yet or not. A period not over, or an `as_of` later than today, is refused (422). Until billing "
    "has applied every input event of the periods (contracts, appraisal results, referrals, claims), the close "
    "is refused with 409 inputs-not-caught-up and Retry-After: ask again." + _EACH,
    responses=problem_responses(described={409: "Inputs not applied yet", 503: "Inputs' positions unknown"}),
)
async def close_periods(body: PeriodClose, request: Request, who: CurrentPrincipal, key: IdempotencyKey) -> Response:
    access.may_close_periods(who)
    settlement: Settlement = request.app.state.settlement
    on = closing_day(body.as_of, today(request))
    period = body.period or settlement.calendar.last_over(on)
    command = ClosePeriods(settlement.calendar.check(period), on)
    if period <= settlement.calendar.last_over(on):  # else refused as not over, inputs or not
        await _inputs_applied(request, settlement.calendar.last_day(period))
    call = Call(request, who, key)
    decided = await run_command(request, who, f"{key}/book", settlement.close_book(command))
    # Read once the book has decided: a ledger registered later opens closed through its close.
    # None once a run settled every ledger through the book's close; every one where the book's
    # part was answered before it said (a receipt of an older run).
    complete = decided.result.get(COMPLETE, False)
    keys = [] if complete else await asyncio.to_thread(ledger_keys, request.app.state.store)
    done = await call.run_each(keys, settlement.settle_ledger, SETTLED, AT_ONCE)
    if keys and DECISION in decided.result:
        await run_command(request, who, f"{key}/settled", settlement.note_settled(decided.result[DECISION]))
    return respond(_joined(decided, done, keys), 200)


def _joined(decided: Outcome, done: Outcome, keys: list[str]) -> Outcome:
    """The book's part and the ledgers' as one answer: replayed when every part was."""
    answer = {name: figure for name, figure in decided.result.items() if name not in (DECISION, COMPLETE)}
    return Outcome(answer | done.result, decided.replayed and (done.replayed or not keys))


async def _inputs_applied(request: Request, last_day: date) -> None:
    """A close settles on every input of its periods or waits (`shared.messaging.positions`)."""
    await inputs.applied(request.app.state.inputs, last_day, request.app.state.zone)


@router.post(
    "/settlement-periods/{period}/reopening",
    response_model=PeriodsReopened,
    summary="Correct a wrongly closed period: reverse its settlements and open it again",
    description="An administrator's correction. Every settlement of the period and of the later closed ones is "
    "reversed by a SettlementReversed (its figures negated, naming it) on the same topics and feeds as the "
    "settlement; the charges are open again and the next close settles them under a new settlement id. "
    "409 period-not-closed for an open period; 409 withheld-already-released, before anything is written, when "
    "an appraisal result has paid out a withheld share of those settlements (restate the appraisal instead). A "
    "release arriving while the ledgers are reversed keeps its ledger as it stands (`ledgers_kept`)." + _EACH,
    responses=problem_responses(described={409: "Refused by the book's state"}),
)
async def reopen_periods(
    body: PeriodReopening,
    request: Request,
    who: CurrentPrincipal,
    key: IdempotencyKey,
    period: str = Path(pattern=MONTH_ONLY, examples=["2026-03"]),
) -> Response:
    access.may_reopen_periods(who)
    settlement: Settlement = request.app.state.settlement
    command = ReopenPeriods(settlement.calendar.check(period), body.reason)
    await asyncio.to_thread(settlement.check_reopening, command, request.app.state.store)
    decided = await run_command(request, who, f"{key}/book", settlement.reopen_book(command))
    # Read once the book has decided: a ledger registered later opens closed through the period before.
    keys = await asyncio.to_thread(ledger_keys, request.app.state.store)
    reverse = lambda k: settlement.reverse_ledger(command, k)  # noqa: E731
    done = await Call(request, who, key).run_each(keys, reverse, REVERSED, AT_ONCE)
    return respond(_joined(decided, done, keys), 200)


@router.get("/settlement-periods", response_model=SettlementBook, summary="How far periods are closed")
async def settlement_book(request: Request, who: CurrentPrincipal) -> dict[str, Any]:
    book, _ = await asyncio.to_thread(lambda: BOOKS.fold(request.app.state.store.read(BOOKS.stream_id(BOOK))))
    return {"closed_through": book.closed_through, "ledgers": len(book.ledgers)}


@router.get("/contracts/{contract_id}/account", summary="A contract's charges and refunds per payer")
async def contract_account(contract_id: str, request: Request, who: CurrentPrincipal) -> Response:
    store = request.app.state.store
    found, version = await asyncio.to_thread(lambda: ACCOUNTS.fold(store.read(ACCOUNTS.stream_id(contract_id))))
    if version == 0:
        raise UnknownContract(f"billing knows no contract {contract_id}")
    terms = found.terms
    institution, area = (terms.institution_id, terms.area_code) if terms else (None, None)
    access.may_read_account(who, contract_id, institution, area)
    return present(account_view(contract_id, found, version))
