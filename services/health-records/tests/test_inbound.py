"""Signing's events as local commands, followed by the fulfilment read model on PostgreSQL. (Each
event taking effect once, a renewal drawing a new plan, a refusal skipped: `test_handlers.py`.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from health_records.adapters.projections import fulfilment
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


def test_the_view_from_one_batch_is_the_view_event_by_event(seeded: Seeded) -> None:
    """The follower stores a batch a table at a time: what it stores is what each event alone did."""
    world = seeded(contract_id="c-1")
    ref = world.ref
    world.visit(fulfils=["hypertension_follow_up"], occurred="2026-02-10T10:00:00+08:00")
    renewed = {"resident_ref": ref, "team_id": "T1", "institution_id": "CHC-1", "renews_contract_id": "c-1"}
    basic = [{"code": "basic", "annual_fee_fen": 12000, "items": [{"code": "health_education", "times_per_year": 2}]}]
    world.tell("signing.ContractRenewed.v1", contract_id="c-2", packages=basic, **renewed)  # a second plan, smaller
    world.tell("signing.ContractExpired.v1", resident_ref=ref, contract_id="c-1", last_day="2027-01-05")
    world.tell("signing.ContractReinstated.v1", resident_ref=ref, contract_id="c-1", last_day="2027-01-05")
    world.tell(
        "signing.ContractTerminated.v1", resident_ref=ref, contract_id="c-2", reason="moved_away", last_day="2027-03-31"
    )
    world.follower.catch_up()
    batched = _rows(world)

    with world.view.engine.begin() as conn:
        for table in world.tables:
            conn.execute(table.delete())
        for event in world.store.read_log(0, 10_000):
            fulfilment.apply(conn, [event])

    assert _rows(world) == batched
    in_package = {p["item_code"]: p["in_package"] for p in batched["fulfilment_planned"]}
    assert (in_package["health_education"], in_package["hypertension_follow_up"]) == (True, False), "the renewal's"
    assert {c["contract_id"]: str(c["last_day"]) for c in batched["fulfilment_contracts"]} == {
        "c-1": "2027-01-05",
        "c-2": "2027-03-31",
    }


def _rows(world: Any) -> dict[str, list[dict[str, Any]]]:
    with world.view.engine.connect() as conn:
        return {t.name: sorted((dict(r._mapping) for r in conn.execute(t.select())), key=str) for t in world.tables}
