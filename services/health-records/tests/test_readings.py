"""A resident's device readings, listed for the resident and the team in charge: newest first, a page at
a time without splitting an instant, flagged implausible or out of target; a professional's read logged."""

from __future__ import annotations

from typing import Any

from health_records.adapters.projections import resident_devices

from .conftest import OTHER_REF, REF

Api = Any  # the `api` fixture (conftest.Api)
READINGS = f"/residents/{REF}/readings"


def device_of(api: Api, kind: str = "bp_monitor") -> dict[str, Any]:
    linked = api.send("POST", "/devices", {"kind": kind})
    assert linked.status_code == 201, linked.text
    return dict(linked.json())


def post(api: Api, device: dict[str, Any], *readings: dict[str, Any]) -> None:
    headers = {"Authorization": f"Device {device['secret']}"}
    sent = api.client.post(f"/devices/{device['device_id']}/readings", json={"readings": readings}, headers=headers)
    assert sent.status_code == 200, sent.text


def pressure(at: str, systolic: float = 128, diastolic: float = 82) -> list[dict[str, Any]]:
    return [
        {"kind": "systolic", "value": systolic, "unit": "mmHg", "measured_at": at},
        {"kind": "diastolic", "value": diastolic, "unit": "mmHg", "measured_at": at},
        {"kind": "heart_rate", "value": 72, "unit": "bpm", "measured_at": at},
    ]


def listed(api: Api, who: dict[str, str] | None = None, **query: Any) -> Any:
    engine = api.client.app.state.reading_alerts.engine
    resident_devices.follower(api.world.store, engine).catch_up()
    return api.client.get(READINGS, params=query, headers=who or api.doctor)


def test_the_team_lists_a_residents_readings_newest_first_flagged_and_out_of_target(api: Api) -> None:
    cuff, meter = device_of(api), device_of(api, "glucose_meter")
    post(api, cuff, *pressure("2026-04-08T07:30:00+08:00", 152, 86))  # out of target
    post(api, cuff, *pressure("2026-03-20T07:30:00+08:00"))
    post(api, cuff, {"kind": "systolic", "value": 900, "unit": "mmHg", "measured_at": "2026-04-09T07:00:00+08:00"})
    glucose = {"kind": "glucose", "value": 5.6, "unit": "mmol/L", "measured_at": "2026-04-09T06:30:00+08:00"}
    post(api, meter, glucose | {"fasting": True})

    answer = listed(api)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from"], body["to"], body["next_before"]) == ("2025-04-10", "2026-04-10", None)  # 366 days
    shown = [(i["kind"], i["value"], i["measured_at"][:10], i["implausible"], i["target"]) for i in body["items"]]
    assert shown == [
        ("systolic", 900, "2026-04-09", True, None),
        ("glucose", 5.6, "2026-04-09", False, None),
        ("systolic", 152, "2026-04-08", False, 140),
        ("heart_rate", 72, "2026-04-08", False, None),
        ("diastolic", 86, "2026-04-08", False, None),
        ("systolic", 128, "2026-03-20", False, None),
        ("heart_rate", 72, "2026-03-20", False, None),
        ("diastolic", 82, "2026-03-20", False, None),
    ]
    assert [i["out_of_target"] for i in body["items"]][:3] == [False, False, True]
    assert body["items"][1]["device_id"] == meter["device_id"] and body["items"][1]["fasting"] is True

    glucose_only = listed(api, kind="glucose").json()["items"]
    assert [i["kind"] for i in glucose_only] == ["glucose"]
    april = listed(api, **{"from": "2026-04-01", "to": "2026-04-08"}).json()["items"]
    assert {i["measured_at"][:10] for i in april} == {"2026-04-08"}
    own = listed(api, api.resident)
    assert own.status_code == 200 and own.json()["items"] == body["items"]


def test_a_page_never_splits_an_instant(api: Api) -> None:
    cuff = device_of(api)
    mornings = [f"2026-04-{day:02d}T07:30:00+08:00" for day in (1, 3, 5, 7)]
    post(api, cuff, *(r for at in mornings for r in pressure(at)))

    pages, before = [], None
    while True:
        page = listed(api, limit=4, **({"before": before} if before else {})).json()
        pages.append([i["measured_at"][:10] for i in page["items"]])
        before = page["next_before"]
        if before is None:
            break
    # four asked: the fourth reading's instant is kept whole (three readings each morning); whether older
    # days hold any is known once they are read, so the last page may be empty
    assert pages == [["2026-04-07"] * 3 + ["2026-04-05"] * 3, ["2026-04-03"] * 3 + ["2026-04-01"] * 3, []]


def test_a_professionals_read_is_logged_and_nobody_else_reads_them(api: Api) -> None:
    post(api, device_of(api), *pressure("2026-04-08T07:30:00+08:00"))
    assert listed(api).status_code == 200
    assert listed(api, api.resident).status_code == 200  # the resident's own read: not logged
    reads = api.get("/record/reads", api.resident).json()["items"]
    assert [(r["reader"], r["what"]) for r in reads] == [("doc-1", "readings")]

    other_team = api.as_("family_doctor", sub="doc-9", team="T2", institution="CHC-2")
    for who in (other_team, api.as_("resident", resident=OTHER_REF), api.as_("hospital", hospital="H1")):
        assert listed(api, who).status_code == 403
    too_long = listed(api, **{"from": "2025-01-01", "to": "2026-04-10"})
    assert too_long.status_code == 422
    naive = listed(api, before="2026-04-09T07:00:00")
    assert naive.status_code == 422


def test_no_devices_no_readings(api: Api) -> None:
    answer = listed(api)
    assert answer.status_code == 200 and answer.json()["items"] == [] and answer.json()["next_before"] is None
    unknown = api.client.get(f"/residents/r_{'c' * 26}/readings", headers=api.doctor)
    assert unknown.status_code == 403, unknown.text  # as for a resident who has a record
