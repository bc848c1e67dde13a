"""The referral API on PostgreSQL: each step over HTTP, the illegal ones, who may take them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)
Clock = Any  # the `clock` fixture
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)

PROBLEM = "application/problem+json"


def step(api: Api, referral: dict[str, Any], name: str, body: dict[str, Any], who: dict[str, str]) -> Any:
    return api.post(f"/referrals/{referral['referral_id']}/{name}", body, who)


def test_a_doctor_refers_a_resident_of_their_team_and_the_hospital_sees_the_patient(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))

    response = api.refer(team, 1, priority="green_channel")
    referral = response.json()
    seen = api.get(f"/referrals/{referral['referral_id']}", api.hospital("H3-4401"))

    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/referrals/{referral['referral_id']}"
    assert response.headers["ETag"] == '"1"'
    assert referral["status"] == "issued" and referral["combined_signing"] is True
    assert (referral["resident_ref"], referral["issued_by"], referral["team_id"]) == (api.ref(1), "doc-1", team)
    assert referral["timing"]["expires_at"] == (NOW + timedelta(hours=168)).isoformat()
    assert seen.status_code == 200
    assert seen.json()["patient"] == {"identity_number": api.identity(1), "name": "Li Hua", "phone": "13800138000"}


def test_only_contracted_residents_of_the_doctor_s_own_team_are_referred(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))

    stranger = api.refer(team, 2)
    other_team = api.refer(f"{team}-other", 1)
    green_elsewhere = api.refer(team, 1, hospital_id="H9-9999", priority="green_channel")

    assert (stranger.status_code, stranger.json()["type"]) == (422, "/problems/resident-not-contracted")
    assert stranger.headers["content-type"] == PROBLEM
    assert other_team.status_code == 422
    assert api.refer(team, 1, hospital_id="H9-9999").status_code == 201
    assert (green_elsewhere.status_code, green_elsewhere.json()["type"]) == (422, "/problems/green-channel-unavailable")


def test_a_hospital_does_not_refer(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))

    response = api.post("/referrals", _body(api, 1), api.hospital("H3-4401"))

    assert (response.status_code, response.json()["type"]) == (403, "/problems/forbidden")


def test_a_referral_refused_for_want_of_a_contract_succeeds_once_the_contract_is_known(api: Api, team: str) -> None:
    first = api.post("/referrals", _body(api, 3), api.doctor(team), key="same")
    api.contract(api.signed(3, team))  # the API process had read the resident's contracts before this
    again = api.post("/referrals", _body(api, 3), api.doctor(team), key="same")

    assert first.status_code == 422
    assert again.status_code == 201, again.text


def test_illegal_steps_are_refused_with_a_problem(api: Api, team: str) -> None:
    api.contract(api.signed(1, team), api.signed(2, team))
    cancelled, never_accepted = api.issued(team, 1), api.issued(team, 2)
    hospital, doctor = api.hospital("H3-4401"), api.doctor(team)
    assert step(api, cancelled, "cancel", {"reason": "resolved"}, doctor).status_code == 200

    refusals = [
        api.accept(cancelled),
        step(api, cancelled, "decline", {"reason": "full"}, hospital),
        step(api, never_accepted, "complete", {"summary_kind": "consultation", "summary": "x"}, hospital),
        step(api, never_accepted, "down-refer", {"purpose": "rehabilitation", "instructions": "x"}, hospital),
        step(api, never_accepted, "acknowledge-down-referral", {}, doctor),
    ]
    assert api.accept(never_accepted).status_code == 200
    refusals += [
        step(api, never_accepted, "cancel", {"reason": "too late"}, doctor),
        step(api, never_accepted, "decline", {"reason": "changed mind"}, hospital),
        api.accept(never_accepted),
    ]

    assert [(r.status_code, r.json()["type"]) for r in refusals] == [(409, "/problems/illegal-transition")] * 8
    assert all(r.headers["content-type"] == PROBLEM for r in refusals)


def test_bad_answers_are_invalid_not_errors(api: Api, team: str, clock: Clock) -> None:
    api.contract(api.signed(1, team))
    referral = api.issued(team, 1)

    in_the_past = api.accept(referral, hours_ahead=-1)
    no_body = step(api, referral, "complete", {"summary_kind": "autopsy", "summary": ""}, api.hospital("H3-4401"))
    clock.advance(days=8)
    overdue = api.accept(referral, hours_ahead=24 * 9)

    assert (in_the_past.status_code, in_the_past.json()["type"]) == (422, "/problems/appointment-before-acceptance")
    assert (no_body.status_code, no_body.json()["type"]) == (422, "/problems/invalid-request")
    assert (overdue.status_code, overdue.json()["type"]) == (409, "/problems/answer-overdue")


def test_each_step_belongs_to_the_hospital_or_to_the_referring_team(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))
    referral = api.issued(team, 1)
    path = f"/referrals/{referral['referral_id']}"

    assert api.accept(referral | {"hospital_id": "H2-440106"}).status_code == 404  # another hospital
    assert step(api, referral, "accept", {}, api.doctor(team)).status_code == 422
    assert step(api, referral, "decline", {"reason": "x"}, api.doctor(team)).status_code == 403
    assert step(api, referral, "cancel", {"reason": "x"}, api.hospital("H3-4401")).status_code == 403
    assert step(api, referral, "cancel", {"reason": "x"}, api.doctor("T-other")).status_code == 404
    assert api.get(path, api.doctor("T-other")).status_code == 404
    assert api.get(path, api.as_("resident", resident=api.ref(1))).status_code == 200
    assert api.get(path, api.as_("resident", resident=api.ref(2))).status_code == 404
    assert api.get(path, api.as_("official", area="4401")).status_code == 404
    assert api.get("/referrals/nope", api.admin).status_code == 404


def test_a_step_is_idempotent_and_takes_the_version_it_was_meant_for(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))
    referral = api.issued(team, 1)
    hospital = api.hospital("H3-4401")
    path = f"/referrals/{referral['referral_id']}/decline"

    stale = api.post(path, {"reason": "full"}, hospital, **{"If-Match": '"7"'})
    first = api.post(path, {"reason": "full"}, hospital, key="decline-1", **{"If-Match": '"1"'})
    repeat = api.post(path, {"reason": "full"}, hospital, key="decline-1", **{"If-Match": '"1"'})
    reused = api.post(path, {"reason": "other"}, hospital, key="decline-1")

    assert (stale.status_code, stale.json()["current_version"]) == (412, 1)
    assert (first.status_code, first.headers["ETag"]) == (200, '"2"')
    assert repeat.status_code == 200 and repeat.headers["Idempotent-Replayed"] == "true"
    assert repeat.json() == first.json()
    assert reused.status_code == 422


def test_the_scheduled_job_expires_what_was_not_accepted_in_time(api: Api, team: str, clock: Clock) -> None:
    api.contract(api.signed(1, team))
    waiting, answered = api.issued(team, 1), api.issued(team, 1)
    assert api.accept(answered).status_code == 200
    clock.advance(days=3)
    later = api.issued(team, 1)
    api.catch_up()
    week = NOW + timedelta(hours=168)
    clock.now = week

    early = api.post("/referrals/expire", {"as_of": (week - timedelta(minutes=1)).isoformat()}, api.admin)
    due = api.post("/referrals/expire", {"as_of": week.isoformat()}, api.admin)
    by_doctor = api.post("/referrals/expire", {"as_of": week.isoformat()}, api.doctor(team))

    assert early.json()["expired"] == []
    assert due.json() == {"as_of": week.isoformat(), "expired": [waiting["referral_id"]]}
    assert by_doctor.status_code == 403
    expired = api.get(f"/referrals/{waiting['referral_id']}", api.doctor(team)).json()
    assert (expired["status"], expired["outcome"]) == (
        "expired",
        {"reason": "not accepted in time", "at": week.isoformat()},
    )
    assert api.get(f"/referrals/{later['referral_id']}", api.doctor(team)).json()["status"] == "issued"


def test_a_hospital_and_a_team_list_their_referrals(api: Api, team: str) -> None:
    api.contract(api.signed(1, team))
    to_h3, to_h2 = api.issued(team, 1), api.issued(team, 1, hospital_id="H2-440106")
    api.accept(to_h3)
    api.catch_up()

    h3 = api.get("/hospitals/H3-4401/referrals", api.hospital("H3-4401")).json()
    accepted = api.get("/hospitals/H3-4401/referrals?status=accepted", api.hospital("H3-4401")).json()
    mine = api.get(f"/teams/{team}/referrals", api.doctor(team)).json()

    assert [r["referral_id"] for r in h3] == [to_h3["referral_id"]]
    assert accepted[0]["appointment_at"] == (NOW + timedelta(hours=48)).isoformat()
    assert {r["referral_id"] for r in mine} == {to_h3["referral_id"], to_h2["referral_id"]}
    assert api.get("/hospitals/H3-4401/referrals", api.hospital("H2-440106")).status_code == 403
    assert api.get(f"/teams/{team}/referrals", api.doctor("T-other")).status_code == 403


def _body(api: Api, serial: int) -> dict[str, Any]:
    return {
        "patient": {"identity_number": api.identity(serial), "name": "Wang Fang"},
        "hospital_id": "H3-4401",
        "department": "endocrinology",
        "reason": "HbA1c 9.1% on metformin",
        "clinical_summary": "Type 2 diabetes for 6 years.",
    }


def test_the_scheduled_job_refuses_a_moment_that_has_not_come(api: Api, team: str, clock: Clock) -> None:
    api.contract(api.signed(1, team))
    waiting = api.issued(team, 1)
    api.catch_up()

    far = api.post("/referrals/expire", {"as_of": "9999-12-31T00:00:00+08:00"}, api.admin)
    next_week = api.post("/referrals/expire", {"as_of": (NOW + timedelta(days=8)).isoformat()}, api.admin)
    year_one = api.post("/referrals/expire", {"as_of": "0001-01-01T00:00:00+00:00"}, api.admin)
    now = api.post("/referrals/expire", {"as_of": clock.now.isoformat()}, api.admin)

    assert (far.status_code, far.json()["type"]) == (422, "/problems/as-of-in-the-future")
    assert (next_week.status_code, next_week.json()["type"]) == (422, "/problems/as-of-in-the-future")
    assert year_one.status_code == 422
    assert (now.status_code, now.json()["expired"]) == (200, [])
    assert api.get(f"/referrals/{waiting['referral_id']}", api.doctor(team)).json()["status"] == "issued"
