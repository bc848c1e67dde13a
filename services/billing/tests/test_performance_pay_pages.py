"""The teams' pools a page at a time, on PostgreSQL: a province's year has tens of thousands of
teams, so a page reads the year's index and then only the years of the teams it may show.

Ten teams A01..A10 of 2025, each with a member credited and appraised 80, distributed: the odd
ones in 440106 (CHC-1), the even ones in 440304 (CHC-2), so an area's teams are every other one
in the order of the pages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from billing.application.streams import TEAM_YEARS
from billing.domain import performance_year as py
from shared.contracts import topics
from shared.eventstore import EventStore
from shared.testing.refusals import refused

Billing = Any  # the `billing` fixture (conftest.Billing)
TEAMS = [f"A{n:02}" for n in range(1, 11)]
WHERE = {1: {"institution_id": "CHC-1", "area_code": "440106"}, 0: {"institution_id": "CHC-2", "area_code": "440304"}}
POOLS = "/performance-pay/2025/teams"


def distributed(billing: Billing) -> None:
    for n, team in enumerate(TEAMS, start=1):
        where = WHERE[n % 2]
        served = billing.event(
            "health_records.VisitCompleted.v1",
            **where,
            team_id=team,
            resident_ref=billing.resident(team),
            visit_id=f"v-{uuid.uuid4()}",
            member_id=f"M-{team}",
            occurred_at="2025-03-01T10:00:00+08:00",
        )
        billing.deliver(served, topic=topics.HEALTH_SERVICES.name)
        result = {"result_id": f"ar-2025-{team}", "period": "2025", "subject_kind": "team", "subject_id": team}
        billing.deliver(billing.event("appraisal.AppraisalPublished.v1", **result, score="80.00", **where))
    answer = billing.client.post("/performance-pay/2025", headers={**billing.admin, "Idempotency-Key": "pp-2025"})
    assert answer.status_code == 200, answer.text


def pages(billing: Billing, who: dict[str, str] | None = None, **params: Any) -> list[list[str]]:
    """Each page's teams, following `next_cursor` to the last page."""
    found, cursor = [], None
    while True:
        answer = billing.get(POOLS, who, **params, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.text
        found.append([t["team_id"] for t in answer.json()["teams"]])
        if (cursor := answer.json()["next_cursor"]) is None:
            return found


class Reading:
    """The store, noting each team year a read asks for."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.teams_read: list[str] = []

    def read_many(self, stream_ids: Sequence[str]) -> Any:
        prefix = TEAM_YEARS.stream_id(py.team_key(2025, ""))
        self.teams_read += [s.removeprefix(prefix) for s in stream_ids if s.startswith(prefix)]
        return self._store.read_many(stream_ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_the_pools_are_paged_by_team_each_team_once_to_a_last_page_that_says_so(billing: Billing) -> None:
    distributed(billing)

    assert pages(billing, limit=3) == [TEAMS[0:3], TEAMS[3:6], TEAMS[6:9], TEAMS[9:]]
    assert pages(billing, limit=5) == [TEAMS[0:5], TEAMS[5:]]  # the last team ends the page: no empty page after
    assert pages(billing) == [TEAMS]
    assert billing.get(POOLS, limit=1).json()["next_cursor"] == '"A01"'  # the last team's id, as JSON


def test_every_page_keeps_to_the_callers_area_and_the_area_asked(billing: Billing) -> None:
    distributed(billing)
    official = billing.as_("official", area="440106")
    odd, even = TEAMS[0::2], TEAMS[1::2]

    assert pages(billing, official, limit=2) == [odd[0:2], odd[2:4], odd[4:]]
    assert pages(billing, official, limit=2, area_code="44") == [odd[0:2], odd[2:4], odd[4:]]
    assert pages(billing, limit=2, area_code="440304") == [even[0:2], even[2:4], even[4:]]
    assert pages(billing, official, area_code="440304") == [[]]
    doctor = billing.as_("family_doctor", sub="M-A01", team="A01", institution="CHC-1")
    assert pages(billing, doctor) == [[]]  # a member's own share is elsewhere


def test_a_page_reads_only_the_years_of_the_teams_it_may_show(billing: Billing) -> None:
    distributed(billing)
    state = billing.client.app.state
    store, state.store = state.store, Reading(state.store)
    try:
        official = billing.as_("official", area="440106")
        first = billing.get(POOLS, official, limit=2).json()
        later = billing.get(POOLS, official, limit=2, cursor=first["next_cursor"]).json()
        read_by_pages = list(state.store.teams_read)
        billing.get(POOLS, billing.as_("family_doctor", sub="M-A01", team="A01", institution="CHC-1"))
        read_by_doctor = state.store.teams_read[len(read_by_pages) :]
    finally:
        state.store = store

    assert [t["team_id"] for t in first["teams"] + later["teams"]] == ["A01", "A03", "A05", "A07"]
    assert read_by_pages == ["A01", "A03", "A05", "A07"]  # none of the other area's, none past the page
    assert read_by_doctor == []


@pytest.mark.parametrize("cursor", ["A01", "5", '["A01", "A02"]', "{", "null"])
def test_a_cursor_this_api_did_not_return_is_a_400_problem(billing: Billing, cursor: str) -> None:
    refused(billing.client, billing.get(POOLS, cursor=cursor), 400, "bad-cursor")


@pytest.mark.parametrize("limit", [0, 1001, -1])
def test_a_page_of_no_team_or_of_more_than_a_thousand_is_refused(billing: Billing, limit: int) -> None:
    refused(billing.client, billing.get(POOLS, limit=limit), 422, "invalid-request")
