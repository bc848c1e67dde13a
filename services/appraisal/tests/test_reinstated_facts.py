"""An expiry undone by signing (`ContractReinstated`): the facts known after the undoing are
those of a contract that never expired, and those known before it keep the expiry (as of)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from appraisal.adapters.projections.fact_rows import fact_of
from appraisal.adapters.projections.facts_history import FactsHistory, Knowns
from appraisal.domain.facts import ContractFact, Ending, Where
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery

FIXTURES = Path(topics.__file__).with_name("fixtures")
EXPIRED_AT = datetime(2026, 6, 1, 1, tzinfo=UTC)
REINSTATED_AT = datetime(2026, 6, 2, 1, tzinfo=UTC)
TERMINATED_AT = datetime(2026, 8, 1, 1, tzinfo=UTC)
CONTRACT = ContractFact(
    "c1", "r_1", "440106", Where("T1", "I1", "440106"), (), (), date(2026, 1, 6), date(2027, 1, 5), EXPIRED_AT
)
EXPIRED = (EXPIRED_AT, ("c1", Ending("expired", date(2027, 1, 5))))
REINSTATED = (REINSTATED_AT, ("c1", Ending("reinstated", date(2027, 1, 5), "clock_error")))
DIED = (TERMINATED_AT, ("c1", Ending("terminated", date(2026, 7, 31), "death")))


def history(*endings: tuple[datetime, tuple[str, Ending]]) -> FactsHistory:
    """The endings as the reader gives them: latest ended first."""
    none: Knowns[Any] = Knowns([])
    latest_first = sorted(endings, key=lambda e: e[0], reverse=True)
    return FactsHistory(
        none, none, Knowns([(EXPIRED_AT, CONTRACT)]), Knowns(latest_first), none, none, none, none, none
    )


def test_a_reinstatement_undoes_the_expiry_from_when_it_is_known() -> None:
    facts = history(EXPIRED, REINSTATED)

    [before] = facts.as_of(EXPIRED_AT).contracts
    [after] = facts.as_of(REINSTATED_AT).contracts

    assert before.ending == Ending("expired", date(2027, 1, 5))
    assert after == CONTRACT  # as if it had never expired


def test_a_real_ending_after_the_reinstatement_counts() -> None:
    [contract] = history(EXPIRED, REINSTATED, DIED).as_of(TERMINATED_AT).contracts

    assert (contract.ending, contract.cut_short) == (Ending("terminated", date(2026, 7, 31), "death"), True)


def test_the_public_event_becomes_a_row_of_the_contract_ends() -> None:
    message = Envelope.model_validate_json((FIXTURES / "signing.ContractReinstated.v1.json").read_text())

    table, row = fact_of(Delivery(message, parse_event(message), "test"))

    assert (table.name, row["kind"], row["reason"], row["ended_at"]) == (
        "fact_contract_ends",
        "reinstated",
        "wrong_run_date",
        datetime(2027, 1, 6, 1, 30, tzinfo=UTC),
    )
