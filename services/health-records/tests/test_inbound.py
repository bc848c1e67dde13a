"""Signing's events as local commands, followed by the fulfilment read model on PostgreSQL. (Each
event taking effect once, a renewal drawing a new plan, a refusal skipped: `test_handlers.py`.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from health_records.application.streams import CARE

Seeded = Callable[..., Any]


def types(world: Any, stream_id: str) -> list[str]:
    return [e.type.rsplit(".", 2)[1] for e in world.store.read(stream_id)]


def test_a_reinstated_contract_is_followed_as_if_it_had_never_expired(seeded: Seeded) -> None:
    world = seeded(contract_id="c-wrong")
    ref, last_day = world.ref, "2027-01-05"  # the golden contract's term end
    world.tell("signing.ContractExpired.v1", resident_ref=ref, contract_id="c-wrong", last_day=last_day)

    world.tell("signing.ContractReinstated.v1", resident_ref=ref, contract_id="c-wrong", last_day=last_day)
    world.tell("signing.ContractReinstated.v1", resident_ref=ref, contract_id="c-wrong", last_day=last_day)
    world.tell(  # a real ending afterwards is noted, as it would have been without the wrong expiry
        "signing.ContractTerminated.v1", resident_ref=ref, contract_id="c-wrong", reason="death", last_day="2026-07-31"
    )

    told = ["ContractStarted", "ContractEnded", "ContractReinstated", "ContractEnded"]  # reinstated once
    assert types(world, CARE.stream_id(ref)) == told
    care, _ = CARE.fold(world.store.read(CARE.stream_id(ref)))
    assert (care.contracts[0].end_reason, str(care.contracts[0].last_day)) == ("death", "2026-07-31")
    world.follower.catch_up()
    assert [v["contract_id"] for v in world.view.for_team("T1", date(2026, 7, 31))] == ["c-wrong"]
    assert world.view.for_team("T1", date(2026, 8, 1)) == []
