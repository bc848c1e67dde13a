"""The lifecycle through HTTP on PostgreSQL: renew, switch, terminate, expire."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from signing.bootstrap import create_app
from signing.settings import SigningSettings

Api = Any  # the `api` fixture (conftest.Api)


def team_places(api: Api, team_id: str) -> int:
    return int(api.get(f"/teams/{team_id}").json()["places_taken"])


def test_a_renewal_continues_the_contract_from_the_day_after_its_end(api: Api) -> None:
    api.register_team("T1")
    old = api.sign(
        "T1", doctor_id="doc-1", combined_signing={"secondary_hospital_id": "H2", "tertiary_hospital_id": "H3"}
    )
    api.clock.to(date(2027, 1, 15))

    renewed = api.post(f"/contracts/{old['contract_id']}/renewal", {"term_years": 2}, **{"If-Match": '"1"'})
    before = api.get(f"/contracts/{old['contract_id']}").json()

    assert renewed.status_code == 201, renewed.text
    new = renewed.json()
    assert renewed.headers["Location"] == f"/contracts/{new['contract_id']}"
    assert (new["starts_on"], new["ends_on"], new["term_years"]) == ("2027-03-01", "2029-02-28", 2)
    assert (new["renews_contract_id"], new["doctor_id"], new["combined_signing"]) == (
        old["contract_id"],
        "doc-1",
        old["combined_signing"],
    )
    assert (before["status"], before["successor_id"], before["last_day"]) == (
        "renewed",
        new["contract_id"],
        "2027-02-28",
    )
    assert team_places(api, "T1") == 1


def test_a_renewal_is_refused_too_early_twice_or_at_a_stale_version(api: Api) -> None:
    api.register_team("T1")
    old = api.sign("T1")
    path = f"/contracts/{old['contract_id']}/renewal"

    early = api.post(path, {})
    api.clock.to(date(2027, 2, 1))
    stale = api.post(path, {}, **{"If-Match": '"7"'})
    first = api.post(path, {})
    again = api.post(path, {})

    assert (early.status_code, early.json()["type"]) == (422, "/problems/renewal-not-open")
    assert (stale.status_code, stale.json()["current_version"]) == (412, 1)
    assert first.status_code == 201
    assert (again.status_code, again.json()["type"]) == (409, "/problems/contract-not-renewable")


def test_an_expired_contract_renewed_late_starts_on_the_day_agreed(api: Api) -> None:
    api.register_team("T1")
    old = api.sign("T1")
    api.search()  # the index has the contract
    api.clock.to(date(2027, 3, 1))
    assert api.post("/contracts/expiries", {"as_of": "2027-03-01"}).json()["expired"] == [old["contract_id"]]
    api.clock.to(date(2027, 3, 20))

    new = api.post(f"/contracts/{old['contract_id']}/renewal", {})

    assert new.status_code == 201, new.text
    assert (new.json()["starts_on"], new.json()["renews_contract_id"]) == ("2027-03-20", old["contract_id"])
    assert team_places(api, "T1") == 1


def test_a_switch_ends_the_old_contract_and_starts_the_new_one_atomically(api: Api) -> None:
    api.register_team("T1")
    api.register_team("T2")
    old = api.sign("T1")

    switched = api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T2", "starts_on": "2026-06-01"})
    ended = api.get(f"/contracts/{old['contract_id']}").json()

    assert switched.status_code == 201, switched.text
    new = switched.json()
    assert (new["team_id"], new["replaces_contract_id"], new["starts_on"]) == ("T2", old["contract_id"], "2026-06-01")
    assert (ended["status"], ended["termination_reason"], ended["last_day"], ended["successor_id"]) == (
        "terminated",
        "switched_team",
        "2026-05-31",
        new["contract_id"],
    )
    assert (team_places(api, "T1"), team_places(api, "T2")) == (0, 1)


def test_a_switch_to_a_full_team_changes_nothing(api: Api) -> None:
    api.register_team("T1")
    api.register_team("T2", cap=1)
    api.sign("T2", serial=2)
    old = api.sign("T1")

    refused = api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T2"})
    same = api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T1"})

    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/team-full")
    assert (same.status_code, same.json()["type"]) == (422, "/problems/same-team")
    assert api.get(f"/contracts/{old['contract_id']}").json()["status"] == "active"
    assert (team_places(api, "T1"), team_places(api, "T2")) == (1, 1)


def test_switching_to_another_doctor_of_a_full_team_keeps_the_place(api: Api) -> None:
    api.register_team(
        "T1",
        cap=1,
        members=[
            {"member_id": "doc-1", "role": "family_doctor"},
            {"member_id": "doc-2", "role": "general_practitioner"},
        ],
    )
    old = api.sign("T1", doctor_id="doc-1")

    switched = api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T1", "doctor_id": "doc-2"})

    assert switched.status_code == 201, switched.text
    members = {m["member_id"]: m["residents"] for m in api.get("/teams/T1").json()["members"]}
    assert members == {"doc-1": 0, "doc-2": 1}


def test_switching_a_renewal_before_it_starts_ends_the_contract_it_continues(api: Api) -> None:
    api.register_team("T1")
    api.register_team("T2")
    old = api.sign("T1")
    api.clock.to(date(2027, 1, 15))
    renewal = api.post(f"/contracts/{old['contract_id']}/renewal", {}).json()

    on_old = api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T2"})
    switched = api.post(f"/contracts/{renewal['contract_id']}/switch", {"team_id": "T2"})

    assert (on_old.status_code, on_old.json()["type"]) == (409, "/problems/contract-renewed")
    assert switched.status_code == 201, switched.text
    old_now, renewal_now = (api.get(f"/contracts/{c['contract_id']}").json() for c in (old, renewal))
    assert (old_now["status"], old_now["last_day"]) == ("terminated", "2027-01-14")
    assert (renewal_now["status"], renewal_now["last_day"]) == ("terminated", "2027-02-28")
    assert (team_places(api, "T1"), team_places(api, "T2")) == (0, 1)


def test_a_termination_frees_the_place_and_the_resident(api: Api) -> None:
    api.register_team("T1", cap=1)
    old = api.sign("T1")
    api.clock.to(date(2026, 7, 2))

    ended = api.post(
        f"/contracts/{old['contract_id']}/termination",
        {"reason": "moved_away", "last_day": "2026-06-30"},
        **{"If-Match": '"1"'},
    )
    again = api.post(f"/contracts/{old['contract_id']}/termination", {"reason": "death"})

    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["last_day"], ended.headers["ETag"]) == (
        "terminated",
        "2026-06-30",
        '"2"',
    )
    assert (again.status_code, again.json()["type"]) == (409, "/problems/contract-not-active")
    assert api.post("/contracts", api.contract_body("T1")).status_code == 201  # the same resident, the freed place


def test_a_termination_takes_effect_at_the_latest_today(api: Api) -> None:
    api.register_team("T1")
    old = api.sign("T1")
    path = f"/contracts/{old['contract_id']}/termination"

    future = api.post(path, {"reason": "death", "last_day": "2026-03-02"})
    switched_team = api.post(path, {"reason": "switched_team"})

    assert (future.status_code, future.json()["type"]) == (422, "/problems/invalid-last-day")
    assert switched_team.status_code == 422  # only a switch says that


def test_the_expiry_job_expires_what_ended_before_its_date_and_is_repeatable(api: Api) -> None:
    api.register_team("T1")
    one_year = api.sign("T1", serial=1)
    two_years = api.sign("T1", serial=2, term_years=2)
    api.search()
    api.clock.to(date(2027, 3, 2))

    early = api.post("/contracts/expiries", {"as_of": "2027-02-28"})
    run = api.post("/contracts/expiries", {"as_of": "2027-03-01"}, key="daily-2027-03-01")
    repeat = api.post("/contracts/expiries", {"as_of": "2027-03-01"}, key="daily-2027-03-01")
    api.search()
    later = api.post("/contracts/expiries", {"as_of": "2027-03-02"})

    assert early.json()["expired"] == []
    assert run.status_code == 200, run.text
    assert run.json() == {"as_of": "2027-03-01", "expired": [one_year["contract_id"]], "skipped": [], "more": False}
    assert repeat.json()["expired"] == [one_year["contract_id"]]  # replayed, not expired twice
    assert later.json()["expired"] == []
    assert api.get(f"/contracts/{one_year['contract_id']}").json()["status"] == "expired"
    assert api.get(f"/contracts/{two_years['contract_id']}").json()["status"] == "active"
    assert team_places(api, "T1") == 1


def test_the_lifecycle_is_kept_to_the_callers_scope(api: Api) -> None:
    api.register_team("T1")
    api.register_team("T2")
    old = api.sign("T1")
    other_doctor = api.as_("family_doctor", team="T3")
    the_resident = api.as_("resident", resident=old["resident_ref"])

    assert (
        api.post(f"/contracts/{old['contract_id']}/termination", {"reason": "death"}, who=other_doctor).status_code
        == 404
    )
    assert (
        api.post(f"/contracts/{old['contract_id']}/termination", {"reason": "death"}, who=the_resident).status_code
        == 403
    )
    assert (
        api.post("/contracts/expiries", {"as_of": "2027-03-01"}, who=api.as_("official", area="44")).status_code == 403
    )
    assert api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T2"}, who=other_doctor).status_code == 404
    moved = api.post(f"/contracts/{old['contract_id']}/switch", {"team_id": "T2"}, who=the_resident)
    assert moved.status_code == 201
    assert api.post("/contracts/nope/termination", {"reason": "death"}).status_code == 404


def test_places_never_drift_while_residents_sign_and_leave_at_once(api: Api) -> None:
    api.register_team("T1", cap=12)
    first = [api.sign("T1", serial=i)["contract_id"] for i in range(10)]

    def terminate(contract_id: str) -> Any:
        return api.post(f"/contracts/{contract_id}/termination", {"reason": "resident_request"})

    with ThreadPoolExecutor(16) as pool:
        ended = [pool.submit(terminate, c) for c in first[:5]]
        signed = [pool.submit(api.post, "/contracts", api.contract_body("T1", 100 + i)) for i in range(10)]
        outcomes = [f.result().status_code for f in ended + signed]

    active = api.search(team_id="T1", status="active", limit=100).json()["items"]
    assert outcomes[:5] == [200] * 5 and set(outcomes[5:]) <= {201, 409}
    assert team_places(api, "T1") == len(active) <= 12


def test_a_renewal_for_a_term_outside_one_to_three_years_is_refused(api: Api) -> None:
    api.register_team("T1")
    old = api.sign("T1")
    api.clock.to(date(2027, 2, 1))

    refused = api.post(f"/contracts/{old['contract_id']}/renewal", {"term_years": 0})

    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/invalid-term")


def test_the_expiry_job_refuses_a_day_that_has_not_come(api: Api) -> None:
    api.register_team("T1")
    running = api.sign("T1")
    api.search()

    far = api.post("/contracts/expiries", {"as_of": "9999-12-31"})
    next_year = api.post("/contracts/expiries", {"as_of": "2027-03-01"})
    year_one = api.post("/contracts/expiries", {"as_of": "0001-01-01"})
    today = api.post("/contracts/expiries", {"as_of": "2026-03-01"})  # the clock's day in China

    assert (far.status_code, far.json()["type"]) == (422, "/problems/as-of-in-the-future")
    assert (next_year.status_code, next_year.json()["type"]) == (422, "/problems/as-of-in-the-future")
    assert year_one.status_code == 422
    assert (today.status_code, today.json()["expired"]) == (200, [])
    assert api.get(f"/contracts/{running['contract_id']}").json()["status"] == "active"


def test_the_expiry_job_takes_today_from_the_simulated_clock_where_it_is_allowed(
    service_settings: Callable[..., Any], mint_token: Callable[..., str]
) -> None:
    settings = service_settings(SigningSettings, database_pool_size=2, simulated_clock=True)
    app = create_app(settings, clock=lambda: datetime(2026, 3, 1, 4, tzinfo=UTC))
    simulation = mint_token("admin", simulation=True)  # only the simulation's tokens may set the time
    admin = {"Authorization": f"Bearer {simulation}", "Idempotency-Key": "daily-2027-03-01"}
    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.post("/contracts/expiries", json={"as_of": "2027-03-01"}, headers=admin)
        simulated = client.post(
            "/contracts/expiries",
            json={"as_of": "2027-03-01"},
            headers=admin | {"Idempotency-Key": "sim-2027-03-01", "X-Simulated-Time": "2027-03-01T09:00:00+08:00"},
        )
    app.state.store.close()
    app.state.index.engine.dispose()

    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/as-of-in-the-future")
    assert (simulated.status_code, simulated.json()["expired"]) == (200, [])
