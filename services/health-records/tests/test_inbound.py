"""Signing's events as local commands, on PostgreSQL: each takes effect once, a renewal draws a
new plan, and a refusal is skipped without stopping the consumer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from health_records.application.streams import CARE, PLANS, RECORDS, ROSTERS

Seeded = Callable[..., Any]


def types(world: Any, stream_id: str) -> list[str]:
    return [e.type.rsplit(".", 2)[1] for e in world.store.read(stream_id)]


def test_a_redelivered_event_changes_nothing(seeded: Seeded, signing_event: Callable[..., Any]) -> None:
    world = seeded()
    signed = world.sign(contract_id="c-again")

    world.events.handle([signed, signed])

    assert types(world, CARE.stream_id(world.ref)) == ["ContractStarted", "ContractStarted"]  # seeded, and c-again
    assert types(world, RECORDS.stream_id(world.ref)) == ["RecordOpened"]
    assert types(world, ROSTERS.stream_id("T1")) == ["RosterNoted"]


def test_a_renewal_continues_the_record_and_draws_a_new_plan(seeded: Seeded) -> None:
    world = seeded()
    first = world.store.read(PLANS.stream_id(world.ref))[0].data["contract_id"]

    world.tell(
        "signing.ContractRenewed.v1",
        resident_ref=world.ref,
        team_id="T1",
        contract_id="c-renewed",
        renews_contract_id=first,
        key_populations=["diabetes"],
        packages=[
            {"code": "diabetes", "annual_fee_fen": 6000, "items": [{"code": "diabetes_follow_up", "times_per_year": 4}]}
        ],
    )

    plans = world.store.read(PLANS.stream_id(world.ref))
    assert [p.data["contract_id"] for p in plans] == [first, "c-renewed"]
    assert [s["item_code"] for s in plans[-1].data["services"]] == ["diabetes_follow_up"]
    assert types(world, RECORDS.stream_id(world.ref)) == ["RecordOpened"]


def test_an_event_refused_by_a_rule_is_logged_by_ids_and_skipped(
    seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    world = seeded()

    world.tell("signing.ContractTerminated.v1", resident_ref=world.ref, contract_id="never-noted")

    assert "signing.ContractTerminated.v1" in caplog.text and "unknown-contract" in caplog.text
    assert types(world, CARE.stream_id(world.ref)) == ["ContractStarted"]


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
