"""Publishing a period's results and restating them, over HTTP on PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from appraisal.adapters.publishing import to_public
from appraisal.application.streams import RESULTS
from appraisal.bootstrap import SUBSCRIBED
from services.appraisal.tests.appraisal_events import T1, rated, ref, two_teams_in_2026
from shared.contracts import Envelope, parse_event, topics
from shared.contracts.appraisal import AppraisalPublished, AppraisalRestated

Api = Any  # the `api` fixture (appraisal_api.Api)
JANUARY_15 = {"as_of": "2027-01-15T00:00:00+08:00"}
RESULT_T1 = "ar-2026-team-T1"


def published(api: Api) -> Any:
    api.feed(*two_teams_in_2026())
    answer = api.post("/periods/2026/publication", JANUARY_15, key="publish-2026")
    assert answer.status_code == 201, answer.text
    api.own_views.catch_up()
    return answer


def restated(api: Api, reason: str = "Late ratings of January were recorded") -> Any:
    api.feed(rated("s9", ref(9), T1, "2026-12-30", (5, 5, 5), known="2027-01-18T09:00:00+08:00"))
    etag = api.get("/periods/2026").headers["ETag"]
    answer = api.post(
        "/periods/2026/restatements", {"as_of": "2027-01-19T00:00:00+08:00", "reason": reason}, **{"If-Match": etag}
    )
    api.own_views.catch_up()
    return answer


def test_a_period_is_published_once_with_what_it_was_computed_from(api: Api) -> None:
    first = published(api)
    again = api.post("/periods/2026/publication", JANUARY_15, key="publish-2026")
    twice = api.post("/periods/2026/publication", JANUARY_15)
    running = api.post("/periods/2027/publication", JANUARY_15)
    doctor = api.post("/periods/2026/publication", JANUARY_15, who=api.as_("family_doctor", team="T1"))

    body = first.json()
    assert (body["revision"], body["catalogue_version"], body["results_published"]) == (0, "2026.1", 4)
    assert {p["topic"] for p in body["positions"]} == {t.name for t in SUBSCRIBED}
    assert (again.status_code, again.headers["Idempotent-Replayed"], again.json()) == (201, "true", body)
    assert (twice.status_code, twice.json()["type"]) == (409, "/problems/already-published")
    assert (running.status_code, running.json()["type"]) == (422, "/problems/period-not-over")
    assert doctor.status_code == 403
    t1 = api.get(f"/results/{RESULT_T1}").json()
    assert t1["basis"]["positions"] == body["positions"]
    assert (t1["catalogue_version"], t1["computed_as_of"]) == ("2026.1", "2027-01-14T16:00:00+00:00")
    assert t1["restated_by"] == []
    assert {r["subject_id"] for r in api.get("/periods/2026/results").json()["items"]} == {"T1", "T2", "I1", "I2"}


def test_the_public_disclosure_has_no_personal_data_and_needs_no_token(api: Api) -> None:
    published(api)

    shown = api.client.get("/disclosure/2026", params={"area": "440106"}).json()["items"]

    assert {(r["subject_kind"], r["subject_id"]) for r in shown} == {("team", "T1"), ("institution", "I1")}
    assert all(set(i) == {"indicator_id", "value"} for r in shown for i in r["indicators"])
    assert not re.search(r"r_[a-z2-7]{26}", str(shown)), "no resident ref"


@pytest.mark.parametrize("path", ["/periods/2026/results", "/disclosure/2026"])
def test_the_results_come_a_page_at_a_time_in_order_and_a_forged_cursor_is_refused(api: Api, path: str) -> None:
    """A province's period is tens of thousands of results: never one answer (the disclosure needs no token)."""
    published(api)
    whole = api.get(path).json()

    pages, cursor = [], None
    while True:
        body = api.get(path, limit=1, **({"cursor": cursor} if cursor else {})).json()
        pages.append([r["result_id"] for r in body["items"]])
        if (cursor := body["next_cursor"]) is None:
            break
    forged = [api.get(path, cursor=c) for c in ('["team", "440106"]', '["team", "4401", "1", "T1"]', "{", "[[]]")]

    assert whole["next_cursor"] is None and len(whole["items"]) == 4
    assert [r for page in pages for r in page] == [r["result_id"] for r in whole["items"]]
    assert pages[:4] == [[r["result_id"]] for r in whole["items"]] and pages[4:] in ([], [[]])
    assert [(f.status_code, f.json()["type"]) for f in forged] == [(400, "/problems/bad-cursor")] * 4
    assert api.get(path, limit=1001).status_code == 422


def test_a_restatement_corrects_what_changed_and_keeps_the_original(api: Api) -> None:
    original = published(api).json()
    before = api.get(f"/results/{RESULT_T1}").json()

    answer = restated(api)

    body = answer.json()
    assert answer.status_code == 201, answer.text
    # the late rating changes T1's satisfaction, and so its institution's; T2 and I2 stand
    assert (body["revision"], body["results_restated"], body["results_published"]) == (1, 2, 0)
    kept = api.get(f"/results/{RESULT_T1}").json()
    assert kept | {"restated_by": []} == before
    assert kept["restated_by"] == [f"{RESULT_T1}-r1"]
    correction = api.get(f"/results/{RESULT_T1}-r1").json()
    assert (correction["restates_result_id"], correction["reason"]) == (
        RESULT_T1,
        "Late ratings of January were recorded",
    )
    satisfaction = {r["result_id"]: _figure(r, "satisfaction") for r in (before, correction)}
    assert satisfaction == {RESULT_T1: (1, 2), f"{RESULT_T1}-r1": (2, 3)}
    assert correction["basis"]["computed_as_of"] != original["computed_as_of"]
    current = {r["subject_id"]: r["result_id"] for r in api.get("/periods/2026/results").json()["items"]}
    assert current == {"T1": f"{RESULT_T1}-r1", "I1": "ar-2026-institution-I1-r1", "T2": "ar-2026-team-T2",
                       "I2": "ar-2026-institution-I2"}  # fmt: skip
    stored = api.client.app.state.store.read(RESULTS.stream_id(RESULT_T1))
    assert [e.type for e in stored] == ["appraisal.internal.ResultPublished.v1"], "the original is never overwritten"


def test_a_restatement_needs_a_publication_a_fresh_version_and_a_reason(api: Api) -> None:
    early = api.post("/periods/2026/restatements", {"as_of": "2027-01-19T00:00:00+08:00", "reason": "x"})
    published(api)
    stale = api.post(
        "/periods/2026/restatements", {"as_of": "2027-01-19T00:00:00+08:00", "reason": "x"}, **{"If-Match": '"7"'}
    )
    unchanged = api.post("/periods/2026/restatements", {"as_of": "2027-01-16T00:00:00+08:00", "reason": "checked"})
    no_reason = api.post("/periods/2026/restatements", {"as_of": "2027-01-19T00:00:00+08:00", "reason": ""})

    assert (early.status_code, early.json()["type"]) == (409, "/problems/not-published")
    assert stale.status_code == 412
    assert (unchanged.status_code, unchanged.json()["results_restated"]) == (201, 0)
    assert no_reason.status_code == 422


def test_results_become_public_events_keyed_by_subject(api: Api) -> None:
    published(api)
    restated(api)

    store = api.client.app.state.store
    messages = [m for e in store.read_log(0, 10_000) for m in to_public(e)]

    assert {m.topic for m in messages} == {topics.APPRAISAL_RESULTS.name}
    events = {m.key: [] for m in messages}
    for m in messages:
        events[m.key].append(parse_event(Envelope.decode(m.value)))
    assert len(messages) == 6 and len({Envelope.decode(m.value).id for m in messages}) == 6
    first, correction = events["T1"]
    assert isinstance(first, AppraisalPublished) and isinstance(correction, AppraisalRestated)
    assert (correction.restates_result_id, first.catalogue_version, first.rank_in_county) == (RESULT_T1, "2026.1", 1)
    assert [type(e).__name__ for e in events["T2"]] == ["AppraisalPublished"]


def _figure(result: dict[str, Any], indicator: str) -> tuple[int, int]:
    found = next(i for i in result["indicators"] if i["indicator_id"] == indicator)
    return found["numerator"], found["denominator"]


def test_the_restatement_s_reason_stays_in_appraisal_and_is_read_over_its_api(api: Api) -> None:
    written = "Complaint of Zhang Sanfeng, 13700765765, 110105198002027653"
    published(api)
    restated(api, reason=written)

    sent = [m.value.decode() for e in api.client.app.state.store.read_log(0, 10_000) for m in to_public(e)]

    assert not any(part in message for message in sent for part in written.split(", "))
    assert api.get(f"/results/{RESULT_T1}-r1").json()["reason"] == written
