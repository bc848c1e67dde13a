"""Visits, long prescriptions, family sickbeds, ratings and the plan through HTTP, on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)
BP = [{"kind": "systolic_bp", "value": 132, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 84, "unit": "mmHg"}]
FOLLOW_UP = {"member_id": "doc-1", "place": "home", "fulfils": ["hypertension_follow_up"], "measurements": BP}


def test_a_visit_is_recorded_with_who_where_what_and_its_measurements(api: Api) -> None:
    done = api.send("POST", "/visits", FOLLOW_UP | {"summary": "stable", "occurred_at": "2026-04-09T15:00:00+08:00"})

    assert done.status_code == 201, done.text
    read = api.client.get(done.headers["Location"], headers=api.doctor)
    assert read.json() == done.json()
    visit = done.json()
    assert (visit["member_role"], visit["team_id"], visit["institution_id"]) == ("family_doctor", "T1", "CHC-1")
    assert (visit["occurred_on"], visit["fulfils"]) == ("2026-04-09", ["hypertension_follow_up"])
    assert [v["visit_id"] for v in api.get("/visits").json()["items"]] == [visit["visit_id"]]
    latest = api.get("/record").json()["latest_measurements"]
    assert [(m["kind"], m["value"]) for m in latest] == [("diastolic_bp", 84.0), ("systolic_bp", 132.0)]


def test_a_systolic_pressure_of_900_is_a_clear_422(api: Api) -> None:
    typo = [{"kind": "systolic_bp", "value": 900, "unit": "mmHg"}, BP[1]]
    refused = api.send("POST", "/visits", FOLLOW_UP | {"measurements": typo})

    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/implausible-measurement"
    assert "systolic_bp 900 mmHg is outside the plausible range 50 to 300 mmHg" in refused.json()["detail"]
    assert api.get("/visits").json()["items"] == []


def test_each_visit_refusal_says_which_rule(api: Api) -> None:
    cases = {
        "wrong-unit": FOLLOW_UP | {"measurements": [BP[0], {"kind": "diastolic_bp", "value": 84, "unit": "kg"}]},
        "measurement-missing": FOLLOW_UP | {"measurements": BP[:1]},
        "item-not-planned": FOLLOW_UP | {"fulfils": ["dental_check"]},
        "not-a-team-member": FOLLOW_UP | {"member_id": "stranger"},
        "date-in-future": FOLLOW_UP | {"occurred_at": "2026-04-10T11:00:00+08:00"},
        "not-under-contract": FOLLOW_UP | {"occurred_at": "2026-01-05T10:00:00+08:00"},
        "no-family-sickbed": FOLLOW_UP | {"place": "family_sickbed"},
        "invalid-request": FOLLOW_UP | {"place": "pub"},
    }
    for code, body in cases.items():
        refused = api.send("POST", "/visits", body)
        assert refused.json()["type"] == f"/problems/{code}", (code, refused.text)
        assert refused.status_code in (409, 422), (code, refused.status_code)


def test_a_family_sickbed_from_admission_to_discharge(api: Api) -> None:
    admitted = api.send("POST", "/sickbeds", {"reason": "post-stroke care", "admitted_on": "2026-04-01"})
    twice = api.send("POST", "/sickbeds", {"reason": "again"})
    bedside = api.send("POST", "/visits", {"member_id": "nurse-1", "place": "family_sickbed"})
    bed_id = admitted.json()["sickbed_id"]
    discharged = api.send("POST", f"/sickbeds/{bed_id}/discharge", {})
    again = api.send("POST", f"/sickbeds/{bed_id}/discharge", {})

    assert (admitted.status_code, twice.json()["type"]) == (201, "/problems/sickbed-already-open")
    assert (bedside.status_code, bedside.json()["member_role"]) == (201, "community_nurse")
    assert (discharged.status_code, discharged.json()["discharged_on"]) == (200, "2026-04-10")
    assert (again.status_code, again.json()["type"]) == (409, "/problems/sickbed-closed")
    assert api.send("POST", "/sickbeds/nope/discharge", {}).status_code == 404
    assert [b["discharged_on"] for b in api.get("/sickbeds").json()["items"]] == ["2026-04-10"]


def test_a_long_prescription_for_a_chronic_patient_once_the_last_runs_out(api: Api) -> None:
    body = {"member_id": "doc-1", "condition": "hypertension", "days": 56, "medicines": ["amlodipine 5 mg daily"]}
    issued = api.send("POST", "/long-prescriptions", body)
    again = api.send("POST", "/long-prescriptions", body)
    diabetes = api.send("POST", "/long-prescriptions", body | {"condition": "diabetes"})
    too_long = api.send("POST", "/long-prescriptions", body | {"days": 90})

    assert (issued.status_code, issued.json()["days"]) == (201, 56), issued.text
    assert (again.status_code, again.json()["type"]) == (409, "/problems/prescription-still-covers")
    assert (diabetes.status_code, diabetes.json()["type"]) == (409, "/problems/not-a-chronic-patient")
    assert too_long.status_code == 422
    assert len(api.get("/long-prescriptions").json()["items"]) == 1


def test_the_resident_rates_their_team_and_the_comment_stays_here(api: Api) -> None:
    rating = {"team_id": "T1", "ability": 5, "attitude": 4, "responsiveness": 3, "comment": "Dr Wang, very kind"}
    rated = api.send("POST", "/ratings", rating, who=api.resident)
    twice = api.send("POST", "/ratings", rating, who=api.resident)
    other_team = api.send("POST", "/ratings", rating | {"team_id": "T2"}, who=api.resident)
    by_doctor = api.send("POST", "/ratings", rating)
    out_of_range = api.send("POST", "/ratings", rating | {"ability": 6}, who=api.resident)

    assert rated.status_code == 201, rated.text
    assert "comment" not in rated.json() and rated.json()["responsiveness"] == 3
    assert (twice.status_code, twice.json()["type"]) == (409, "/problems/rated-recently")
    assert (other_team.status_code, other_team.json()["type"]) == (403, "/problems/no-recent-contract")
    assert by_doctor.status_code == 403
    assert out_of_range.status_code == 422


def test_the_team_revises_the_plan_but_not_below_the_contract(api: Api) -> None:
    read = api.get("/plan")
    services = [
        {"item_code": s["item_code"], "times_per_year": s["times_per_year"], "measurements": s["measurements"]}
        for s in read.json()["services"]
    ]
    monthly = [s | {"times_per_year": 12} if s["item_code"] == "hypertension_follow_up" else s for s in services]
    lowered = [s | {"times_per_year": 1} if s["item_code"] == "hypertension_follow_up" else s for s in services]
    etag = {"If-Match": read.headers["ETag"]}

    revised = api.send("PUT", "/plan", {"services": monthly, "reason": "not controlled"}, **etag)
    stale = api.send("PUT", "/plan", {"services": monthly, "reason": "again"}, **etag)
    below = api.send("PUT", "/plan", {"services": lowered, "reason": "fewer visits"})

    assert read.json()["key_populations"] == ["elderly", "hypertension"]
    assert (revised.status_code, revised.headers["ETag"]) == (200, '"2"'), revised.text
    follow_up = next(s for s in revised.json()["services"] if s["item_code"] == "hypertension_follow_up")
    assert (follow_up["times_per_year"], follow_up["contracted"], follow_up["in_package"]) == (12, 4, True)
    assert stale.status_code == 412
    assert (below.status_code, below.json()["type"]) == (422, "/problems/below-contracted-frequency")


def test_fulfilment_shows_what_is_due_done_and_overdue(api: Api) -> None:
    api.send("POST", "/visits", FOLLOW_UP | {"occurred_at": "2026-02-01T09:00:00+08:00"})
    api.world.follower.catch_up()

    mine = api.get("/fulfilment?as_of=2026-07-08").json()
    team = api.client.get("/teams/T1/fulfilment?as_of=2026-07-08", headers=api.doctor)

    follow_up = next(i for i in mine["items"] if i["item_code"] == "hypertension_follow_up")
    assert (follow_up["done"], follow_up["expected_by_now"], follow_up["status"]) == (1, 2, "overdue")
    assert mine["year_starts_on"] == "2026-01-06"
    assert [(r["resident_ref"], r["done"]) for r in team.json()] == [(api.world.ref, 1)]
    assert api.client.get("/teams/T1/fulfilment", headers=api.as_("family_doctor", team="T2")).status_code == 403
    assert api.get("/fulfilment").json()["as_of"] == "2026-04-10"


def test_concurrent_commands_cannot_both_win(api: Api) -> None:
    etag = {"If-Match": api.get("/record").headers["ETag"]}
    allergies = [{"substance": f"drug-{i}", "reaction": "rash", "severity": "mild"} for i in range(8)]

    with ThreadPoolExecutor(8) as pool:
        admissions = list(pool.map(lambda i: api.send("POST", "/sickbeds", {"reason": f"care {i}"}), range(8)))
        updates = list(pool.map(lambda body: api.send("POST", "/record/allergies", body, **etag), allergies))

    assert sorted(r.status_code for r in admissions) == [201] + [409] * 7
    assert sorted(r.status_code for r in updates) == [201] + [412] * 7
    assert len(api.get("/sickbeds").json()["items"]) == 1
    assert api.get("/visits/no-such-visit").json()["type"] == "/problems/visit-not-found"
