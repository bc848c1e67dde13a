"""A resident's contract changes only with the resident's or their team's consent, and a
stranger learns nothing: not an id, not a version, not even that a contract exists."""

from __future__ import annotations

import uuid
from typing import Any

Api = Any  # the `api` fixture (conftest.Api)
STALE = {"If-Match": '"7"'}


def answer(response: Any, contract_id: str) -> tuple[int, str, str]:
    """What a caller sees, with the id they sent put aside (it is theirs already)."""
    return response.status_code, response.headers["content-type"], response.text.replace(contract_id, "<id>")


def held_by_team_b(api: Api) -> dict[str, Any]:
    """Team B holds resident 1; team A is in the same area and knows the identity number."""
    api.register_team("B")
    api.register_team("A")
    return dict(api.sign("B", serial=1))


def test_a_doctor_of_another_team_cannot_take_the_resident_and_learns_no_id(api: Api) -> None:
    held = held_by_team_b(api)
    doctor_a, contract_id = api.as_("family_doctor", team="A"), held["contract_id"]

    signing = api.post("/contracts", api.contract_body("A", serial=1), who=doctor_a)
    switch = api.post(f"/contracts/{contract_id}/switch", {"team_id": "A"}, who=doctor_a)
    read = api.get(f"/contracts/{contract_id}", who=doctor_a)

    assert (signing.status_code, signing.json()["type"]) == (409, "/problems/already-contracted")
    assert contract_id not in signing.text
    assert (switch.status_code, switch.json()["type"]) == (404, "/problems/contract-not-found")
    assert read.status_code == 404
    after = api.get(f"/contracts/{contract_id}").json()
    assert (after["status"], after["team_id"], after["version"]) == ("active", "B", held["version"])
    assert api.get("/teams/A").json()["places_taken"] == 0


def test_a_real_contract_id_answers_a_stranger_as_a_random_one_does(api: Api) -> None:
    held = held_by_team_b(api)
    doctor_a, real, random = api.as_("family_doctor", team="A"), held["contract_id"], str(uuid.uuid4())
    calls = {
        "read": lambda c: api.get(f"/contracts/{c}", who=doctor_a),
        "renewal": lambda c: api.post(f"/contracts/{c}/renewal", {}, who=doctor_a, **STALE),
        "switch": lambda c: api.post(f"/contracts/{c}/switch", {"team_id": "A"}, who=doctor_a, **STALE),
        "termination": lambda c: api.post(f"/contracts/{c}/termination", {"reason": "death"}, who=doctor_a, **STALE),
        "agreement": lambda c: api.get(f"/agreements/{c}", who=doctor_a),  # an individual's agreement is its id
    }

    for name, call in calls.items():
        seen, unknown = answer(call(real), real), answer(call(random), random)
        assert seen == unknown, name
        assert seen[0] == 404 and "current_version" not in seen[2], name


def test_a_stale_version_is_shown_only_to_whom_may_act(api: Api) -> None:
    held = held_by_team_b(api)
    path = f"/contracts/{held['contract_id']}/switch"

    stranger = api.post(path, {"team_id": "A"}, who=api.as_("family_doctor", team="A"), **STALE)
    own_team = api.post(path, {"team_id": "A"}, who=api.as_("family_doctor", team="B"), **STALE)
    other_area = api.put("/teams/A/resident-cap", {"resident_cap": 10}, who=api.as_("official", area="3301"), **STALE)

    assert stranger.status_code == 404 and "current_version" not in stranger.json()
    assert (own_team.status_code, own_team.json()["current_version"]) == (412, 1)
    assert other_area.status_code == 403 and "current_version" not in other_area.json()


def test_a_refused_signing_names_the_contract_only_to_whom_may_read_it(api: Api) -> None:
    contract_id = held_by_team_b(api)["contract_id"]
    resident = api.as_("resident", resident=api.get(f"/contracts/{contract_id}").json()["resident_ref"])
    family = {"kind": "family", "team_id": "A", "packages": ["basic"]}
    members = [{"resident": api.resident(2)}, {"resident": api.resident(1)}]

    stranger = api.post("/contracts", api.contract_body("A", serial=1), who=api.as_("family_doctor", team="A"))
    in_a_family = api.post("/agreements", family | {"members": members}, who=api.as_("family_doctor", team="A"))
    own_team = api.post("/contracts", api.contract_body("B", serial=1), who=api.as_("family_doctor", team="B"))
    themselves = api.post("/contracts", api.contract_body("A", serial=1), who=resident)

    assert [r.status_code for r in (stranger, in_a_family, own_team, themselves)] == [409] * 4
    assert contract_id not in stranger.text and contract_id not in in_a_family.text
    assert contract_id in own_team.json()["detail"] and contract_id in themselves.json()["detail"]


def test_the_resident_switches_and_the_receiving_team_alone_cannot(api: Api) -> None:
    held = held_by_team_b(api)
    path = f"/contracts/{held['contract_id']}/switch"
    resident = api.as_("resident", resident=held["resident_ref"])

    receiving = api.post(path, {"team_id": "A"}, who=api.as_("family_doctor", team="A"))
    chosen = api.post(path, {"team_id": "A"}, who=resident)

    assert receiving.status_code == 404
    assert chosen.status_code == 201, chosen.text
    assert (chosen.json()["team_id"], chosen.json()["replaces_contract_id"]) == ("A", held["contract_id"])
    assert api.get(f"/contracts/{held['contract_id']}").json()["status"] == "terminated"


def test_the_current_team_hands_over_or_terminates_and_an_admin_still_may(api: Api) -> None:
    held = held_by_team_b(api)
    other = api.sign("B", serial=2)

    handed_over = api.post(
        f"/contracts/{held['contract_id']}/switch", {"team_id": "A"}, who=api.as_("family_doctor", team="B")
    )
    assert handed_over.status_code == 201, handed_over.text
    new_id = handed_over.json()["contract_id"]
    ended_by_team = api.post(
        f"/contracts/{new_id}/termination", {"reason": "moved_away"}, who=api.as_("family_doctor", team="A")
    )
    ended_by_admin = api.post(f"/contracts/{other['contract_id']}/termination", {"reason": "death"})

    assert ended_by_team.status_code == 200, ended_by_team.text
    assert ended_by_admin.status_code == 200, ended_by_admin.text
    assert [api.get(f"/contracts/{c}").json()["status"] for c in (new_id, other["contract_id"])] == ["terminated"] * 2
