"""The team's worklist of device alerts: a reading out of target (or flagged implausible) opens one
alert for the team in charge, however often it is sent or the log replayed; a doctor of the team
acknowledges it (an event: withdrawn, it is open again); officials see counts per team only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.schema import DropIndex

from health_records.adapters.projections import reading_alert_reads, reading_alert_tables, reading_alerts
from health_records.bootstrap import migrate
from health_records.domain.alerts import IMPLAUSIBLE, OUT_OF_TARGET
from health_records.settings import HealthRecordsSettings
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.plans import plans_of

from .conftest import OTHER_REF, REF

Api = Any  # the `api` fixture (conftest.Api)
AT, LATER = "2026-04-10T07:30:00+08:00", "2026-04-10T08:30:00+08:00"
WORKLIST = "/teams/T1/reading-alerts"
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


def reading(kind: str, value: float, unit: str, at: str = AT) -> dict[str, Any]:
    return {"kind": kind, "value": value, "unit": unit, "measured_at": at}


def device_of(api: Api, ref: str = REF, doctor: dict[str, str] | None = None) -> dict[str, Any]:
    headers = {**(doctor or api.doctor), "Idempotency-Key": str(uuid.uuid4())}
    linked = api.client.post(f"/residents/{ref}/devices", json={"kind": "bp_monitor"}, headers=headers)
    assert linked.status_code == 201, linked.text
    return dict(linked.json())


def post(api: Api, device: dict[str, Any], *readings: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Device {device['secret']}"}
    sent = api.client.post(f"/devices/{device['device_id']}/readings", json={"readings": readings}, headers=headers)
    assert sent.status_code == 200, sent.text
    return dict(sent.json())


def follower(api: Api) -> Any:
    engine = api.client.app.state.reading_alerts.engine
    return reading_alerts.follower(api.world.store, engine, HealthRecordsSettings().timezone)


def worklist(api: Api, who: dict[str, str] | None = None, **query: Any) -> Any:
    follower(api).catch_up()
    return api.client.get(WORKLIST, params=query, headers=who or api.doctor)


def acknowledgement(api: Api, method: str, alert_id: str, who: dict[str, str] | None = None, key: str = "") -> Any:
    headers = {**(who or api.doctor), "Idempotency-Key": key or str(uuid.uuid4())}
    return api.client.request(method, f"{WORKLIST}/{alert_id}/acknowledgement", headers=headers)


def test_an_out_of_target_reading_opens_one_alert_however_often_sent_or_replayed(api: Api) -> None:
    device = device_of(api)
    batch = [reading("systolic", 152, "mmHg"), reading("diastolic", 86, "mmHg"), reading("heart_rate", 300, "bpm")]
    assert post(api, device, *batch) == {
        "accepted": 3,
        "repeated": 0,
        "implausible": 1,
        "alerts": 1,
        "ignored": 0,
    }
    first = worklist(api)
    assert first.status_code == 200, first.text
    items = first.json()["items"]
    assert [(i["reason"], i["kind"], i["value"], i["target"]) for i in items] == [  # newest first
        ("implausible", "heart_rate", 300, None),
        ("out_of_target", "systolic", 152, 140),
    ]
    high = next(i for i in items if i["reason"] == "out_of_target")
    assert high["resident_ref"] == REF and high["device_id"] == device["device_id"] and high["status"] == "open"
    assert high["institution_id"] == "CHC-1" and high["area_code"] == "440106"

    post(api, device, *batch)  # the gateway sends it again
    assert worklist(api).json()["items"] == items
    view = follower(api)
    view.rebuild(reading_alert_tables.TABLES)  # the log replayed from 0
    assert worklist(api).json()["items"] == items
    with api.client.app.state.reading_alerts.engine.begin() as conn:  # a batch applied twice
        reading_alerts.apply(HealthRecordsSettings().timezone, conn, api.world.store.read_log(0, 10_000))
    assert worklist(api).json()["items"] == items


def test_the_worklist_is_newest_first_a_page_at_a_time(api: Api) -> None:
    device = device_of(api)
    post(api, device, reading("systolic", 150, "mmHg", AT))
    post(api, device, reading("systolic", 160, "mmHg", LATER))
    first = worklist(api, limit=1).json()
    assert [i["value"] for i in first["items"]] == [160] and first["next_before"]
    second = worklist(api, limit=1, before=first["next_before"]).json()
    assert [i["value"] for i in second["items"]] == [150]
    assert worklist(api, limit=1, before=second["next_before"]).json() == {
        "team_id": "T1",
        "items": [],
        "next_before": None,
    }


def test_acknowledging_closes_an_alert_and_withdrawing_reopens_it(api: Api) -> None:
    device = device_of(api)
    post(api, device, reading("systolic", 150, "mmHg"))
    alert_id = worklist(api).json()["items"][0]["alert_id"]

    nurse = api.as_("family_doctor", sub="nurse-1", team="T1", institution="CHC-1")
    done = acknowledgement(api, "POST", alert_id, nurse, key="ack-1")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "acknowledged" and done.json()["acknowledged_by"] == "nurse-1"
    assert acknowledgement(api, "POST", alert_id, nurse, key="ack-1").json() == done.json()  # a retry
    twice = acknowledgement(api, "POST", alert_id)
    assert twice.status_code == 409 and twice.json()["type"].endswith("alert-already-acknowledged")
    assert worklist(api).json()["items"] == []
    closed = worklist(api, status="all").json()["items"]
    assert closed[0]["status"] == "acknowledged" and closed[0]["acknowledged_by"] == "nurse-1"

    reopened = acknowledgement(api, "DELETE", alert_id)
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert [i["alert_id"] for i in worklist(api).json()["items"]] == [alert_id]
    again = acknowledgement(api, "DELETE", alert_id)
    assert again.status_code == 409 and again.json()["type"].endswith("alert-not-acknowledged")
    kept = [e.type for e in api.world.store.read_log(0, 10_000) if ".AlertAcknowledg" in e.type]
    assert len(kept) == 2  # who closed it and who reopened it, on record


def test_only_the_team_reads_and_acknowledges_its_alerts(api: Api) -> None:
    device = device_of(api)
    post(api, device, reading("systolic", 150, "mmHg"))
    alert_id = worklist(api).json()["items"][0]["alert_id"]
    other_team = api.as_("family_doctor", sub="doc-9", team="T2", institution="CHC-2")
    official = api.as_("official", area="440106")
    for who in (other_team, official, api.resident):
        assert worklist(api, who).status_code == 403
        assert acknowledgement(api, "POST", alert_id, who).status_code == 403
    assert acknowledgement(api, "POST", str(uuid.uuid4())).status_code == 404
    on_their_list = api.client.post(
        f"/teams/T2/reading-alerts/{alert_id}/acknowledgement", headers=other_team | {"Idempotency-Key": "k"}
    )
    assert on_their_list.status_code == 404  # not an alert of their team's
    assert acknowledgement(api, "POST", alert_id, api.doctor).status_code == 200


def test_officials_see_counts_per_team_of_their_area(api: Api) -> None:
    api.world.sign(OTHER_REF, "T2")
    t2 = api.as_("family_doctor", sub="doc-2", team="T2", institution="CHC-1")
    mine, theirs = device_of(api), device_of(api, OTHER_REF, t2)
    post(api, mine, reading("systolic", 150, "mmHg"), reading("diastolic", 95, "mmHg", LATER))
    post(api, mine, reading("heart_rate", 10, "bpm"))
    post(api, theirs, reading("systolic", 120, "mmHg"), reading("glucose", 99, "mmol/L"))
    alert_id = worklist(api).json()["items"][-1]["alert_id"]
    assert acknowledgement(api, "POST", alert_id).status_code == 200
    follower(api).catch_up()

    official = api.as_("official", area="4401")
    counts = api.client.get("/areas/440106/reading-alerts", params=YEAR, headers=official)
    assert counts.status_code == 200, counts.text
    body = counts.json()
    assert REF not in counts.text and mine["device_id"] not in counts.text  # counts only
    assert {t["team_id"]: (t["out_of_target"], t["flagged"], t["open_alerts"]) for t in body["teams"]} == {
        "T1": (2, 1, 2),
        "T2": (0, 1, 1),
    }
    own = api.client.get("/areas/440106/reading-alerts", params=YEAR, headers=api.doctor).json()
    assert [t["team_id"] for t in own["teams"]] == ["T1"]
    before = {"from": "2025-01-01", "to": "2025-12-31"}
    assert api.client.get("/areas/440106/reading-alerts", params=before, headers=official).json()["teams"] == []
    elsewhere = api.as_("official", area="310101")
    assert api.client.get("/areas/440106/reading-alerts", params=YEAR, headers=elsewhere).status_code == 403
    assert api.client.get("/areas/440106/reading-alerts", params=YEAR, headers=api.resident).status_code == 403
    too_long = {"from": "2025-01-01", "to": "2026-12-31"}
    assert api.client.get("/areas/440106/reading-alerts", params=too_long, headers=official).status_code == 422


def test_a_broken_cuff_makes_one_alert_a_day_that_counts_its_readings(api: Api) -> None:
    device = device_of(api)
    minutes = [f"2026-04-10T06:{m:02d}:00+08:00" for m in range(12)]
    post(api, device, *(reading("systolic", 20, "mmHg", at) for at in minutes[:5]))
    post(api, device, *(reading("diastolic", 5, "mmHg", at) for at in minutes[5:]))
    post(api, device, reading("systolic", 152, "mmHg", LATER))  # out of target: an alert of its own
    post(api, device, reading("systolic", 20, "mmHg", "2026-04-09T23:59:00+08:00"))  # late, the day before
    post(api, device, *(reading("systolic", 20, "mmHg", at) for at in minutes[:3]))  # sent again: not counted

    items = worklist(api).json()["items"]
    assert [(i["reason"], i["readings"]) for i in items] == [
        ("implausible", 1),  # newest first, by the last reading counted: the day before's, sent late
        ("out_of_target", 1),
        ("implausible", 12),  # the day's: 12 readings, the last received shown
    ]
    today = items[2]
    shown = today["kind"], today["value"], datetime.fromisoformat(today["measured_at"])
    assert shown == ("diastolic", 5, datetime.fromisoformat(minutes[-1]))

    follower(api).rebuild(reading_alert_tables.TABLES)  # the log replayed from 0
    assert worklist(api).json()["items"] == items
    with api.client.app.state.reading_alerts.engine.begin() as conn:  # a batch applied twice
        reading_alerts.apply(HealthRecordsSettings().timezone, conn, api.world.store.read_log(0, 10_000))
    assert worklist(api).json()["items"] == items

    assert acknowledgement(api, "POST", today["alert_id"]).status_code == 200
    post(api, device, reading("systolic", 19, "mmHg", "2026-04-10T06:30:00+08:00"))  # the cuff, still broken
    counted = {i["alert_id"]: i for i in worklist(api, status="all").json()["items"]}[today["alert_id"]]
    assert (counted["readings"], counted["status"]) == (13, "acknowledged")
    counts = api.client.get("/areas/440106/reading-alerts", params=YEAR, headers=api.doctor).json()["teams"]
    assert [(t["out_of_target"], t["flagged"], t["open_alerts"]) for t in counts] == [(1, 14, 2)]


def test_the_alerts_from_one_batch_are_the_alerts_event_by_event(api: Api) -> None:
    """The follower stores a batch a table at a time over what the tables held of the contracts and
    alerts it reads: what it stores is what each event alone did, however the log is cut or replayed."""
    api.world.sign(OTHER_REF, "T2", contract_id="c-other")
    t2 = api.as_("family_doctor", sub="doc-2", team="T2", institution="CHC-1")
    cuff, watch, theirs = device_of(api), device_of(api), device_of(api, OTHER_REF, t2)
    names = {cuff["device_id"]: "cuff", watch["device_id"]: "watch", theirs["device_id"]: "theirs"}
    day = [f"2026-04-10T06:{m:02d}:00+08:00" for m in range(6)]
    post(api, cuff, reading("systolic", 152, "mmHg"), reading("systolic", 20, "mmHg", day[0]))
    post(api, cuff, reading("diastolic", 5, "mmHg", day[1]), reading("systolic", 160, "mmHg", LATER))
    before = "2026-04-08T12:00:00+08:00"
    post(api, theirs, reading("systolic", 20, "mmHg", day[0]), reading("systolic", 20, "mmHg", before))
    contract = {"resident_ref": OTHER_REF, "contract_id": "c-other"}
    api.world.tell("signing.ContractExpired.v1", **contract, last_day="2026-04-09")
    post(api, theirs, reading("systolic", 21, "mmHg", day[2]))  # nobody in charge that day: not counted
    api.world.tell("signing.ContractReinstated.v1", **contract, last_day="2027-01-05")
    post(api, theirs, reading("systolic", 22, "mmHg", day[3]))  # counted again
    alerts = {(i["reason"], i["value"]): i["alert_id"] for i in worklist(api).json()["items"]}
    high, higher, cuffs_day = alerts[OUT_OF_TARGET, 152], alerts[OUT_OF_TARGET, 160], alerts[IMPLAUSIBLE, 5]
    for method, alert in [("POST", high), ("DELETE", high), ("POST", high), ("POST", higher), ("DELETE", higher)]:
        assert acknowledgement(api, method, alert).status_code == 200
    assert acknowledgement(api, "POST", cuffs_day).status_code == 200
    api.world.sign(REF, "T3", contract_id="c-later", starts_on="2026-04-10", ends_on="2027-04-09")
    post(api, cuff, reading("systolic", 19, "mmHg", day[4]))  # the day's alert: T1's, acknowledged, counting on
    post(api, cuff, reading("systolic", 20, "mmHg", "2026-04-09T23:00:00+08:00"))  # the day before: T1's
    post(api, watch, reading("heart_rate", 300, "bpm", day[5]))  # a new alert of the day: the later contract's
    follower(api).catch_up()
    engine, log = api.client.app.state.reading_alerts.engine, list(api.world.store.read_log(0, 10_000))
    half = len(log) // 2
    for batches in ([log, log], [log[:half], log[half // 2 :]], [log[i : i + 3] for i in range(0, len(log), 3)]):
        assert _applied(engine, batches) == _applied(engine, [[event] for batch in batches for event in batch])

    rows = _applied(engine, [log, log])  # the whole log in one batch, then again
    assert rows == _applied(engine, [log])
    alerts_of = rows[reading_alert_tables.ALERTS.name]
    flagged = {
        (names[a["device_id"]], str(a["measured_on"])): (a["team_id"], a["readings"], a["value"], a["acknowledged_by"])
        for a in alerts_of
        if a["reason"] == IMPLAUSIBLE
    }
    assert flagged == {
        ("cuff", "2026-04-10"): ("T1", 3, 19, "doc-1"),  # acknowledged, counting on; its last reading shown
        ("cuff", "2026-04-09"): ("T1", 1, 20, None),  # the later contract starts the day after
        ("watch", "2026-04-10"): ("T3", 1, 300, None),  # the later contract's: the latest to start
        ("theirs", "2026-04-08"): ("T2", 1, 20, None),
        ("theirs", "2026-04-10"): ("T2", 2, 22, None),  # not the reading of no contract's day
    }
    out = {a["value"]: a["acknowledged_by"] for a in alerts_of if a["reason"] == OUT_OF_TARGET}
    assert out == {152: "doc-1", 160: None}
    contracts = {c["contract_id"]: str(c["last_day"]) for c in rows[reading_alert_tables.TEAMS_IN_CHARGE.name]}
    assert (contracts["c-other"], contracts["c-later"]) == ("2027-01-05", "2027-04-09")


def _applied(engine: Any, batches: list[list[Any]]) -> dict[str, list[dict[str, Any]]]:
    """The tables after the batches, applied from empty."""
    with engine.begin() as conn:
        for table in reading_alert_tables.TABLES:
            conn.execute(table.delete())
        for batch in batches:
            reading_alerts.apply(HealthRecordsSettings().timezone, conn, batch)
    with engine.connect() as conn:
        return {
            t.name: sorted((dict(r._mapping) for r in conn.execute(t.select())), key=str)
            for t in reading_alert_tables.TABLES
        }


def plan_of(api: Api, query: Any) -> str:
    """PostgreSQL's plan of a query, sequential scans priced out (a test's table is too small to
    tell an index from a scan), in the schema of the test's service."""
    engine, schema = api.client.app.state.reading_alerts.engine, api.world.settings.database_schema
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.begin() as conn:
        conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {sql}").scalars())


def test_the_open_worklist_is_read_newest_first_from_its_own_index_without_sorting(api: Api) -> None:
    device = device_of(api)
    post(api, device, reading("systolic", 152, "mmHg"), reading("systolic", 160, "mmHg", LATER))
    first = worklist(api).json()["items"][0]["alert_id"]
    assert acknowledgement(api, "POST", first).status_code == 200

    for before in (None, 10_000):
        plan = plan_of(api, reading_alert_reads.worklist_query("T1", True, before, 50))
        assert "reading_alerts_v2_open" in plan and "Sort" not in plan and "Filter" not in plan, plan
    assert "Sort" not in plan_of(api, reading_alert_reads.worklist_query("T1", False, None, 50))
    assert [a["value"] for a in worklist(api).json()["items"]] == [152]


def test_a_worklist_made_before_the_open_alerts_index_gets_it_from_the_migration(api: Api) -> None:
    engine, schema = api.client.app.state.reading_alerts.engine, api.world.settings.database_schema
    with engine.begin() as conn:
        conn.execute(DropIndex(reading_alert_tables.OPEN_ALERTS))  # as a database of the version before
        conn.execute(
            text(f'CREATE INDEX reading_alerts_v2_area ON "{schema}".reading_alerts_v2 (area_code, measured_on)')
        )
    indexes = text("SELECT indexname FROM pg_indexes WHERE schemaname = :schema AND tablename = 'reading_alerts_v2'")
    migrate(api.world.settings)

    with engine.connect() as conn:
        found = set(conn.execute(indexes, {"schema": schema}).scalars())
    assert "reading_alerts_v2_open" in found and "reading_alerts_v2_area" not in found  # retired: no read uses it


THIRD_REF = resident_ref("440303199001010011", DEV_PSEUDONYM_KEY)
AREAS = ("44", "4401", "440106", "4403", "440303", "4403030", "440303001", "31")
PERIODS = (YEAR, {"from": "2026-04-09", "to": "2026-04-09"}, {"from": "2026-04-09", "to": "2026-04-10"})


def varied(api: Api) -> dict[str, dict[str, str]]:
    """Three teams in two cities, readings out of target and flagged over three days, some alerts
    acknowledged (one withdrawn), and a later contract of the first resident's: the doctors by team."""
    api.world.sign(OTHER_REF, "T2", contract_id="c-other")
    api.world.sign(THIRD_REF, "T4", contract_id="c-third", area_code="440303001")
    doctors = {t: api.as_("family_doctor", sub=f"doc-{t}", team=t, institution="CHC-1") for t in ("T2", "T4")}
    cuff, watch = device_of(api), device_of(api)
    theirs, third = device_of(api, OTHER_REF, doctors["T2"]), device_of(api, THIRD_REF, doctors["T4"])
    for day in ("08", "09", "10"):
        at = f"2026-04-{day}T06:00:00+08:00"
        post(api, cuff, reading("systolic", 150, "mmHg", at), reading("systolic", 20, "mmHg", at.replace("06", "07")))
        post(api, theirs, reading("diastolic", 95, "mmHg", at), reading("heart_rate", 300, "bpm", at))
        post(api, third, *(reading("systolic", 19 + m, "mmHg", f"2026-04-{day}T08:0{m}:00+08:00") for m in range(3)))
    post(api, third, reading("systolic", 170, "mmHg", "2026-04-09T09:00:00+08:00"))
    post(api, watch, reading("heart_rate", 10, "bpm", "2026-04-09T23:30:00+08:00"))
    follower(api).catch_up()
    items = worklist(api, status="all").json()["items"]
    for alert in items[::2]:
        assert acknowledgement(api, "POST", alert["alert_id"]).status_code == 200
    assert acknowledgement(api, "DELETE", items[0]["alert_id"]).status_code == 200
    t4 = doctors["T4"] | {"Idempotency-Key": str(uuid.uuid4())}
    on_t4 = api.client.get("/teams/T4/reading-alerts", params={"status": "all"}, headers=t4).json()["items"]
    done = api.client.post(f"/teams/T4/reading-alerts/{on_t4[-1]['alert_id']}/acknowledgement", headers=t4)
    assert done.status_code == 200, done.text
    api.world.sign(REF, "T3", contract_id="c-later", starts_on="2026-04-10", ends_on="2027-04-09")
    post(api, watch, reading("heart_rate", 9, "bpm", "2026-04-10T12:00:00+08:00"))  # the later contract's
    follower(api).catch_up()
    return doctors


def every_page(api: Api, area: str, period: dict[str, str], **page: Any) -> list[dict[str, Any]]:
    """The area's teams of the period, page after page."""
    official, teams, cursor = api.as_("official", area=area[:2]), [], None
    while True:
        params = period | page | ({"cursor": cursor} if cursor else {})
        answer = api.client.get(f"/areas/{area}/reading-alerts", params=params, headers=official)
        assert answer.status_code == 200, answer.text
        teams += answer.json()["teams"]
        if (cursor := answer.json()["next_cursor"]) is None:
            return teams


def as_before(api: Api, area: str, period: dict[str, str]) -> list[dict[str, Any]]:
    """The counts as they were read until 2026-12-06: from the alerts of the area and period."""
    a = reading_alert_tables.ALERTS.c
    query = (
        select(
            a.team_id,
            a.institution_id,
            a.area_code,
            func.count().filter(a.reason == OUT_OF_TARGET).label("out_of_target"),
            func.coalesce(func.sum(a.readings).filter(a.reason == IMPLAUSIBLE), 0).label("flagged"),
            func.count().filter(a.acknowledged_at.is_(None)).label("open_alerts"),
        )
        .where(a.area_code.startswith(area), a.measured_on.between(*map(date.fromisoformat, period.values())))
        .group_by(a.team_id, a.institution_id, a.area_code)
        .order_by(a.team_id)
    )
    with api.client.app.state.reading_alerts.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def test_the_counts_per_team_are_those_read_from_the_alerts_before_a_page_at_a_time(api: Api) -> None:
    doctors = varied(api)
    for area in AREAS:
        for period in PERIODS:
            expected = as_before(api, area, period)
            assert every_page(api, area, period) == expected, (area, period)
            assert every_page(api, area, period, limit=1) == expected, (area, period)
    year = every_page(api, "44", YEAR)
    assert [t["team_id"] for t in year] == ["T1", "T2", "T3", "T4"] and all(t["flagged"] for t in year)
    assert {t["area_code"] for t in year} == {"440106", "440303001"}
    first = api.client.get("/areas/44/reading-alerts", params=YEAR | {"limit": 2}, headers=api.as_("admin")).json()
    assert [t["team_id"] for t in first["teams"]] == ["T1", "T2"] and first["next_cursor"]
    own = api.client.get("/areas/4403/reading-alerts", params=YEAR | {"limit": 1}, headers=doctors["T4"]).json()
    assert [t["team_id"] for t in own["teams"]] == ["T4"]


def test_a_page_of_teams_names_where_the_next_starts_and_no_other_cursor(api: Api) -> None:
    varied(api)
    official = api.as_("official", area="4401")
    for cursor in ("nope", '"abc"', '["T1", "CHC-1"]', '["T1", "CHC-1", 4401]', "{}"):
        refused = api.client.get("/areas/4401/reading-alerts", params=YEAR | {"cursor": cursor}, headers=official)
        assert refused.status_code == 400 and refused.json()["type"].endswith("bad-cursor"), cursor
    last = api.client.get("/areas/4401/reading-alerts", params=YEAR | {"limit": 3}, headers=official).json()
    assert [t["team_id"] for t in last["teams"]] == ["T1", "T2", "T3"] and last["next_cursor"]
    after = {"cursor": last["next_cursor"]}
    assert api.client.get("/areas/4401/reading-alerts", params=YEAR | after, headers=official).json() == {
        "area_code": "4401",
        "first": "2026-01-01",
        "last": "2026-12-31",
        "teams": [],
        "next_cursor": None,
    }


def counted(api: Api) -> dict[str, list[dict[str, Any]]]:
    """The tables of the counts, and the counts each team's days have in the alerts."""
    engine, a = api.client.app.state.reading_alerts.engine, reading_alert_tables.ALERTS.c
    per_day = select(
        *(a[c] for c in reading_alert_tables.DAY),
        func.count().filter(a.reason == OUT_OF_TARGET).label("out_of_target"),
        func.coalesce(func.sum(a.readings).filter(a.reason == IMPLAUSIBLE), 0).label("flagged"),
        func.count().filter(a.acknowledged_at.is_(None)).label("open_alerts"),
    ).group_by(*(a[c] for c in reading_alert_tables.DAY))
    teams = select(*(a[c] for c in reading_alert_tables.GROUP)).distinct()
    with engine.connect() as conn:
        found = {
            name: sorted((dict(r._mapping) for r in conn.execute(query)), key=str)
            for name, query in (
                ("days", reading_alert_tables.TEAM_DAYS.select()),
                ("teams", reading_alert_tables.TEAMS.select()),
                ("days of the alerts", per_day),
                ("teams of the alerts", teams),
            )
        }
    assert found["days"] == found["days of the alerts"] and found["teams"] == found["teams of the alerts"]
    return found


def test_the_counts_kept_are_the_alerts_counted_however_the_log_is_cut_or_replayed(api: Api) -> None:
    varied(api)
    whole = counted(api)
    assert len(whole["days"]) == 10 and {d["open_alerts"] for d in whole["days"]} == {0, 1, 2}  # some acknowledged
    engine, log = api.client.app.state.reading_alerts.engine, list(api.world.store.read_log(0, 10_000))
    for batches in ([log], [log, log], [log[: len(log) // 2], log[len(log) // 4 :]], [[e] for e in log]):
        _applied(engine, batches)
        assert counted(api) == whole
    follower(api).rebuild(reading_alert_tables.TABLES)
    assert counted(api) == whole


def test_a_database_from_before_the_counts_has_them_counted_from_its_alerts(api: Api) -> None:
    """`migrate` makes the counts' tables empty; the follower's next batch counts the alerts there
    first, and again if a follower of the version before moved on meanwhile (a rolling upgrade)."""
    varied(api)
    whole = counted(api)
    engine = api.client.app.state.reading_alerts.engine
    with engine.begin() as conn:
        for table in (reading_alert_tables.TEAMS, reading_alert_tables.TEAM_DAYS):
            table.drop(conn)
        positions = reading_alerts.POSITIONS.table
        conn.execute(positions.delete().where(positions.c.follower == reading_alert_tables.COUNTED))
    migrate(api.world.settings)
    assert every_page(api, "44", YEAR) == []  # until the follower's next batch

    device = device_of(api)
    post(api, device, reading("systolic", 155, "mmHg", "2026-04-10T09:00:00+08:00"))  # T3's, from the 10th
    follower(api).catch_up()
    t3 = {"team_id": "T3", "institution_id": "CHC-1", "area_code": "440106", "measured_on": date(2026, 4, 10)}
    days = counted(api)["days"]
    assert [d for d in days if d.items() >= t3.items()] == [t3 | {"out_of_target": 1, "flagged": 1, "open_alerts": 2}]
    assert [d for d in days if not d.items() >= t3.items()] == [d for d in whole["days"] if d["team_id"] != "T3"]
    assert every_page(api, "44", YEAR) == as_before(api, "44", YEAR)

    applied = {e.position for e in api.world.store.read_log(0, 10_000)}
    post(api, device, reading("systolic", 156, "mmHg", "2026-04-10T09:10:00+08:00"))
    moved = [e for e in api.world.store.read_log(0, 10_000) if e.position not in applied]
    with engine.begin() as conn:  # a follower of the version before moves on: the alerts stored, no counts kept
        reading_alerts.apply(HealthRecordsSettings().timezone, conn, moved)
        conn.execute(reading_alert_tables.TEAM_DAYS.delete())
        reading_alerts.POSITIONS.set(conn, reading_alert_tables.FOLLOWER, moved[-1].position or 0)
    post(api, device, reading("systolic", 157, "mmHg", "2026-04-10T09:20:00+08:00"))
    follower(api).catch_up()
    assert every_page(api, "44", YEAR) == as_before(api, "44", YEAR)
    assert [d["out_of_target"] for d in counted(api)["days"] if d["team_id"] == "T3"] == [3]  # with the other's


def test_a_page_of_teams_reads_their_days_of_the_period_from_indexes_without_sorting(api: Api) -> None:
    varied(api)
    alerts = api.client.app.state.reading_alerts
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    for area, index in (("44", "reading_alert_teams_2"), ("4401", "reading_alert_teams_4"), ("4403030", "_6")):
        asked = reading_alert_reads.CountsAsked(area, first, last, None, ("T1", "CHC-1", "440106"), 500)
        [plan] = plans_of(alerts.engine, lambda asked=asked: alerts.per_team(asked))
        assert index in plan and "reading_alert_days_pkey" in plan, plan
        assert "Seq Scan" not in plan and "Sort" not in plan, plan
        assert "measured_on >=" in plan and "measured_on <=" in plan, plan  # the period bounds the days read
