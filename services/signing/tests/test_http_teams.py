"""Teams and the catalogue through HTTP on PostgreSQL: registration, changes, caps, packages."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)
DOCTORS = [{"member_id": "doc-1", "role": "family_doctor"}, {"member_id": "doc-2", "role": "general_practitioner"}]


def test_a_registered_team_reads_back_with_default_doctor_caps(api: Api) -> None:
    registered = api.register_team("T1", cap=4000)
    read = api.get("/teams/T1")

    assert read.json() == registered.json()
    assert read.headers["ETag"] == '"1"' and registered.headers["Location"] == "/teams/T1"
    members = {m["member_id"]: (m["resident_cap"], m["residents"]) for m in read.json()["members"]}
    assert members == {"doc-1": (2000, 0), "nurse-1": (None, None)}
    assert api.get("/teams/NOPE").json()["type"] == "/problems/team-not-found"


def test_a_single_doctor_registers_as_contracting_subject_and_takes_no_members(api: Api) -> None:
    solo = api.team_body("D1", 500, subject="doctor", members=[{"member_id": "dr-wang", "role": "family_doctor"}])
    registered = api.post("/teams", solo)
    joined = api.post("/teams/D1/members", {"member_id": "nurse-9", "role": "community_nurse"})

    assert registered.status_code == 201 and registered.json()["subject"] == "doctor"
    assert (joined.status_code, joined.json()["type"]) == (422, "/problems/single-doctor-subject")
    assert api.sign("D1", doctor_id="dr-wang")["team_id"] == "D1"


def test_registration_refuses_teams_without_a_doctor_duplicates_and_repeats(api: Api) -> None:
    api.register_team("T1")
    nurses = api.post("/teams", api.team_body("T2", members=[{"member_id": "n", "role": "community_nurse"}]))
    twice = api.post("/teams", api.team_body("T3", members=[DOCTORS[0], DOCTORS[0]]))
    again = api.post("/teams", api.team_body("T1"))

    assert nurses.json()["type"] == "/problems/invalid-team-composition"
    assert twice.json()["type"] == "/problems/duplicate-member"
    assert (again.status_code, again.json()["type"]) == (409, "/problems/team-already-registered")


def test_members_join_and_leave_with_if_match(api: Api) -> None:
    api.register_team("T1")

    joined = api.post(
        "/teams/T1/members", {"member_id": "doc-2", "role": "general_practitioner"}, **{"If-Match": '"1"'}
    )
    stale = api.delete("/teams/T1/members/nurse-1", **{"If-Match": '"1"'})
    left = api.delete("/teams/T1/members/nurse-1", **{"If-Match": joined.headers["ETag"]})

    assert joined.status_code == 200, joined.text
    assert stale.status_code == 412
    assert left.status_code == 200 and [m["member_id"] for m in left.json()["members"]] == ["doc-1", "doc-2"]


def test_a_doctor_with_residents_cannot_leave_and_caps_never_fall_below_them(api: Api) -> None:
    api.register_team("T1", members=DOCTORS)
    api.sign("T1", serial=1, doctor_id="doc-1")
    api.sign("T1", serial=2, doctor_id="doc-1")

    leaving = api.delete("/teams/T1/members/doc-1")
    low_team = api.put("/teams/T1/resident-cap", {"resident_cap": 1})
    low_doctor = api.put("/teams/T1/members/doc-1/resident-cap", {"resident_cap": 1})
    doctor_cap = api.put("/teams/T1/members/doc-1/resident-cap", {"resident_cap": 2})
    full = api.post("/contracts", api.contract_body("T1", serial=3, doctor_id="doc-1"))

    assert (leaving.status_code, leaving.json()["type"]) == (409, "/problems/member-has-residents")
    assert (low_team.status_code, low_team.json()["type"]) == (409, "/problems/cap-below-contracted")
    assert low_doctor.json()["type"] == "/problems/cap-below-contracted"
    assert doctor_cap.status_code == 200
    assert (full.status_code, full.json()["type"]) == (409, "/problems/doctor-full")


def test_teams_are_changed_by_admins_and_officials_of_their_area_only(api: Api) -> None:
    cap = {"resident_cap": 10}
    api.register_team("T1")

    assert api.put("/teams/T1/resident-cap", cap, who=api.as_("official", area="4401")).status_code == 200
    assert api.put("/teams/T1/resident-cap", cap, who=api.as_("official", area="3301")).status_code == 403
    assert api.put("/teams/T1/resident-cap", cap, who=api.as_("family_doctor", team="T1")).status_code == 403
    assert api.post("/teams", api.team_body("T2"), who=api.as_("official", area="3301")).status_code == 403
    assert api.put("/teams/NOPE/resident-cap", cap).status_code == 404


def test_concurrent_signings_fill_a_doctors_list_exactly_to_their_cap(api: Api) -> None:
    api.register_team("T1", cap=100, members=[{"member_id": "doc-1", "role": "family_doctor", "resident_cap": 5}])

    with ThreadPoolExecutor(16) as pool:
        signing = [
            pool.submit(api.post, "/contracts", api.contract_body("T1", i, doctor_id="doc-1")) for i in range(30)
        ]
        statuses = sorted(f.result().status_code for f in signing)

    assert statuses.count(201) == 5 and set(statuses) == {201, 409}
    team = api.get("/teams/T1").json()
    assert (team["places_taken"], team["members"][0]["residents"]) == (5, 5)


def test_the_catalogue_is_served_per_area_and_date(api: Api) -> None:
    everything = api.get("/packages").json()
    offered = api.get("/packages", area="440106", on="2026-03-01").json()
    before = api.get("/packages", area="440106", on="2019-12-31").json()

    assert {p["code"] for p in offered} >= {"basic", "hypertension", "diabetes", "family_sickbed"}
    assert len(everything) >= len(offered) and before == []
    hypertension = next(p for p in offered if p["code"] == "hypertension")
    assert hypertension["key_populations"] == ["hypertension"]
    assert {
        "code": "hypertension_follow_up",
        "name": hypertension["items"][0]["name"],
        "times_per_year": 4,
    } in hypertension["items"]
    assert api.get("/packages", area="44").status_code == 422


def test_a_year_is_served_under_that_years_catalogue_of_the_teams_area(api: Api) -> None:
    def basic_fee(area: str, on: str) -> int:
        offered = api.get("/packages", area=area, on=on).json()
        return int(next(p["annual_fee_fen"] for p in offered if p["code"] == "basic"))

    api.register_team("SZ1", area_code="440305")

    assert (basic_fee("440305", "2025-06-01"), basic_fee("440305", "2026-06-01")) == (13000, 15000)
    assert basic_fee("440106", "2026-06-01") == 12000
    signed = api.sign("SZ1", resident=api.resident(1) | {"area_code": "440106"}, starts_on="2025-12-01")
    assert signed["packages"] == [{"code": "basic", "annual_fee_fen": 13000}]
