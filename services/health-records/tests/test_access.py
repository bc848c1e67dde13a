"""Who sees a record: the resident their own, the team its contracted residents, nobody else.
Every read by a professional is logged, and the resident can list who looked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Api = Any  # the `api` fixture (conftest.Api)
OTHER = "r_" + "b" * 26
READS = ["/record", "/record/history", "/plan", "/visits", "/sickbeds", "/long-prescriptions", "/fulfilment"]


def statuses(api: Api, who: dict[str, str], ref: str) -> set[int]:
    api.world.follower.catch_up()  # the fulfilment view, as the projection process keeps it
    return {api.get(path, who=who, ref=ref).status_code for path in READS}


def test_a_resident_reads_their_own_record_and_not_another_s(api: Api, seeded: Callable[..., Any]) -> None:
    seeded(ref=OTHER)  # another resident, with a record of their own, at the same team

    assert statuses(api, api.resident, api.world.ref) == {200}
    assert statuses(api, api.resident, OTHER) == {403}
    assert statuses(api, api.as_("resident", resident=OTHER), api.world.ref) == {403}
    assert statuses(api, api.doctor, OTHER) == {200}, "the team reads every resident it is contracted with"


@pytest.mark.parametrize(
    ("role", "claims"),
    [
        ("hospital", {"hospital": "H3-4401"}),
        ("official", {"area": "44"}),
        ("insurance_bureau", {"bureau": "MIB-440106"}),
        ("admin", {}),
        ("family_doctor", {"team": "T2", "institution": "CHC-1"}),
    ],
)
def test_nobody_else_reads_any_record(api: Api, role: str, claims: dict[str, str]) -> None:
    stranger = api.as_(role, **claims)

    assert statuses(api, stranger, api.world.ref) == {403}
    assert statuses(api, stranger, OTHER) == {403}, "not even whether a record exists"
    assert (
        api.send(
            "POST", "/record/allergies", {"substance": "x", "reaction": "y", "severity": "mild"}, stranger
        ).status_code
        == 403
    )
    assert api.send("POST", "/visits", {"member_id": "doc-1", "place": "clinic"}, stranger).status_code == 403


def test_the_team_keeps_access_only_while_the_contract_lasts(api: Api) -> None:
    contract_id = api.get("/plan").json()["contract_id"]
    api.world.tell(
        "signing.ContractTerminated.v1",
        contract_id=contract_id,
        resident_ref=api.world.ref,
        team_id="T1",
        last_day="2026-04-09",
    )

    assert statuses(api, api.doctor, api.world.ref) == {403}
    assert api.send("POST", "/visits", {"member_id": "doc-1", "place": "clinic"}).status_code == 403
    assert statuses(api, api.resident, api.world.ref) == {200}, "the record stays the resident's"


def test_every_read_by_a_professional_is_logged_for_the_resident(api: Api) -> None:
    for path in ("/record", "/plan", "/visits"):
        assert api.get(path).status_code == 200
    api.get("/record", who=api.resident)  # the resident's own reads are not logged
    api.get("/record", who=api.as_("hospital", hospital="H1"))  # refused, so nothing was read

    reads = api.get("/record/reads", who=api.resident)

    assert reads.status_code == 200
    assert [(r["what"], r["reader"], r["role"], r["team_id"]) for r in reads.json()["items"]] == [
        ("visits", "doc-1", "family_doctor", "T1"),
        ("plan", "doc-1", "family_doctor", "T1"),
        ("record", "doc-1", "family_doctor", "T1"),
    ]
    assert api.get("/record/reads").status_code == 403, "the team does not see the log"
    assert api.get("/record/reads", who=api.as_("resident", resident=OTHER)).status_code == 403
