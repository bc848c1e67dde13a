"""Searching contracts through HTTP on PostgreSQL, served from the contract index."""

from __future__ import annotations

from datetime import date
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)


def ids(page: Any) -> list[str]:
    assert page.status_code == 200, page.text
    return [c["contract_id"] for c in page.json()["items"]]


def test_contracts_are_found_by_team_resident_status_and_area(api: Api) -> None:
    api.register_team("T1")
    api.register_team("T2")
    first, second = api.sign("T1", serial=1), api.sign("T1", serial=2)
    other = api.sign("T2", serial=3)
    api.post(f"/contracts/{second['contract_id']}/termination", {"reason": "death"})

    assert set(ids(api.search(team_id="T1"))) == {first["contract_id"], second["contract_id"]}
    assert ids(api.search(team_id="T1", status="active")) == [first["contract_id"]]
    assert ids(api.search(resident_ref=other["resident_ref"])) == [other["contract_id"]]
    assert ids(api.search(status="terminated")) == [second["contract_id"]]
    assert len(ids(api.search(area="4401"))) == 3 and ids(api.search(area="3301")) == []
    item = api.search(team_id="T2").json()["items"][0]
    assert (item["resident_name"], item["packages"], item["status"]) == ("Resident 3", ["basic"], "active")


def test_doctors_plan_renewals_from_the_contracts_expiring_soon(api: Api) -> None:
    api.register_team("T1")
    one_year = api.sign("T1", serial=1)
    api.sign("T1", serial=2, term_years=2)
    renewed = api.sign("T1", serial=3)
    api.clock.to(date(2027, 1, 10))
    api.post(f"/contracts/{renewed['contract_id']}/renewal", {})

    expiring = api.search(team_id="T1", expiring_within_days=60)

    assert ids(expiring) == [one_year["contract_id"]]  # not the 2-year one, not the one already renewed


def test_pages_follow_each_other_without_gap_or_repeat(api: Api) -> None:
    api.register_team("T1")
    signed = {api.sign("T1", serial=i, starts_on=f"2026-03-{i:02d}")["contract_id"] for i in range(1, 8)}

    seen, cursor, pages = [], None, 0
    while True:
        params = {"team_id": "T1", "limit": 3} | ({"cursor": cursor} if cursor else {})
        page = api.search(**params).json()
        seen += [c["contract_id"] for c in page["items"]]
        pages, cursor = pages + 1, page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3 and len(seen) == 7 and set(seen) == signed
    assert api.search(cursor="not-a-cursor").json()["type"] == "/problems/bad-cursor"


def test_each_caller_searches_only_what_is_theirs(api: Api) -> None:
    api.register_team("T1")
    api.register_team("T2")
    mine = api.sign("T1", serial=1)
    api.sign("T2", serial=2)
    doctor = api.as_("family_doctor", team="T1")

    assert ids(api.search(who=doctor)) == [mine["contract_id"]]
    assert api.search(who=doctor, team_id="T2").status_code == 403
    assert ids(api.search(who=api.as_("resident", resident=mine["resident_ref"]))) == [mine["contract_id"]]
    assert len(ids(api.search(who=api.as_("official", area="440106")))) == 2
    assert api.search(who=api.as_("official", area="440106"), area="3301").status_code == 403
    assert api.search(who=api.as_("hospital", hospital="H1")).status_code == 403


def test_the_index_is_rebuilt_from_the_log(api: Api, settings: Any) -> None:
    from signing.adapters.projections.contract_index import INDEX
    from signing.bootstrap import index_follower

    api.register_team("T1")
    signed = api.sign("T1")
    api.post(f"/contracts/{signed['contract_id']}/termination", {"reason": "moved_away"})
    live = api.search().json()

    follower = index_follower(settings, api.client.app.state.store, api.client.app.state.index.engine)
    follower.rebuild([INDEX])

    assert api.search().json() == live and live["items"][0]["status"] == "terminated"
