"""An operator's undo through HTTP on PostgreSQL: a contract the expiry job ended too early
(its clock was a year ahead) is reinstated, with its team place, its resident and its index row."""

from __future__ import annotations

from datetime import date
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)


def expired_by_a_wrong_clock(api: Api, **extra: Any) -> dict[str, Any]:
    """Signed on 1 March 2026 for a year; the job runs with its clock on 2 March 2027."""
    api.register_team("T1")
    signed: dict[str, Any] = api.sign("T1", doctor_id="doc-1", **extra)
    api.search()
    api.clock.to(date(2027, 3, 2))
    assert api.post("/contracts/expiries", {"as_of": "2027-03-01"}).json()["expired"] == [signed["contract_id"]]
    api.clock.to(date(2026, 6, 1))  # the clock put right
    return signed


def reinstate(api: Api, contract_id: str, **kwargs: Any) -> Any:
    return api.post(f"/contracts/{contract_id}/reinstatement", {"reason": "clock_error"}, **kwargs)


def test_a_wrongly_expired_contract_is_in_force_again_with_its_place_and_resident(api: Api) -> None:
    signed = expired_by_a_wrong_clock(api)
    cid = signed["contract_id"]
    assert api.get("/teams/T1").json()["places_taken"] == 0

    undone = reinstate(api, cid, key="undo-1", **{"If-Match": '"2"'})
    replayed = reinstate(api, cid, key="undo-1", **{"If-Match": '"2"'})

    assert undone.status_code == 200, undone.text
    body = undone.json()
    assert (body["status"], body["last_day"], undone.headers["ETag"]) == ("active", "2027-02-28", '"3"')
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert api.get("/teams/T1").json()["places_taken"] == 1
    [row] = api.search(resident_ref=signed["resident_ref"]).json()["items"]
    assert (row["status"], row["last_day"]) == ("active", "2027-02-28")
    second = api.post("/contracts", api.contract_body("T1"))  # the resident is held again
    assert (second.status_code, second.json()["type"]) == (409, "/problems/already-contracted")
    api.clock.to(date(2027, 3, 1))
    assert api.post("/contracts/expiries", {"as_of": "2027-03-01"}).json()["expired"] == [cid]  # at its real end


def test_a_reinstatement_is_refused_when_something_took_the_contracts_place(api: Api) -> None:
    signed = expired_by_a_wrong_clock(api)
    cid = signed["contract_id"]
    api.post("/contracts", api.contract_body("T1"))  # the resident signed again meanwhile

    contracted_since = reinstate(api, cid)
    active = reinstate(api, api.search(status="active").json()["items"][0]["contract_id"])
    stale = reinstate(api, cid, **{"If-Match": '"1"'})
    unknown_reason = api.post(f"/contracts/{cid}/reinstatement", {"reason": "just because"})

    assert (contracted_since.status_code, contracted_since.json()["type"]) == (
        409,
        "/problems/resident-contracted-since",
    )
    assert (active.status_code, active.json()["type"]) == (409, "/problems/contract-not-expired")
    assert stale.status_code == 412
    assert unknown_reason.status_code == 422


def test_a_reinstatement_is_refused_once_the_term_is_over_or_a_renewal_continues_it(api: Api) -> None:
    signed = expired_by_a_wrong_clock(api)
    cid = signed["contract_id"]
    api.clock.to(date(2027, 3, 1))
    over = reinstate(api, cid)
    assert api.post(f"/contracts/{cid}/renewal", {}).status_code == 201
    api.clock.to(date(2027, 2, 1))

    renewed = reinstate(api, cid)

    assert (over.status_code, over.json()["type"]) == (409, "/problems/expiry-stands")
    assert (renewed.status_code, renewed.json()["type"]) == (409, "/problems/contract-continued-since")


def test_only_an_administrator_or_an_official_of_the_area_reinstates(api: Api) -> None:
    signed = expired_by_a_wrong_clock(api)
    cid = signed["contract_id"]

    team = reinstate(api, cid, who=api.as_("family_doctor", team="T1"))
    resident = reinstate(api, cid, who=api.as_("resident", resident=signed["resident_ref"]))
    elsewhere = reinstate(api, cid, who=api.as_("official", area="4402"))
    official = reinstate(api, cid, who=api.as_("official", area="4401"))

    assert (team.status_code, resident.status_code) == (403, 403)
    assert elsewhere.status_code == 404  # may not even learn it exists
    assert (official.status_code, official.json()["status"]) == (200, "active")
