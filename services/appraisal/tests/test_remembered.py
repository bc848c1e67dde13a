"""Remembered appraisals on PostgreSQL: a poll with no new fact that could matter reads nothing,
and every answer is the one computing again from the facts would give."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from appraisal.adapters.facts_reader import FactsReader
from appraisal.application.appraising import Appraised, Appraising, Snapshot
from appraisal.application.views import Filters, figures_view, scores_view
from appraisal.domain.periods import Period
from services.appraisal.tests.appraisal_events import T1, again, by, delivered, rated, ref, two_teams_in_2026
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE, at
from services.appraisal.tests.conftest import NOW

Api = Any  # the `api` fixture (conftest.Api)
YEAR = Period.parse("2026")


class CountingReader(FactsReader):
    reads = 0

    def snapshots(self, moments: Sequence[datetime], period: Period, area: str = "") -> list[Snapshot]:
        self.reads += 1
        return super().snapshots(moments, period, area)


@pytest.fixture
def reader(api: Api) -> CountingReader:
    return CountingReader(api.client.app.state.engine, ZONE)


@pytest.fixture
def memory(reader: CountingReader) -> Appraising:
    return Appraising(CATALOGUE, reader, ZONE)


def shown(appraised: Appraised) -> dict[str, Any]:
    a = appraised.appraisal
    return {"figures": figures_view(a, Filters(key_population="*")), "scores": scores_view(a, Filters())}


def value(appraised: Appraised, indicator: str) -> str | None:
    """T1's figure, if it has one."""
    figures = shown(appraised)["figures"]
    return next((f["value"] for f in figures if (f["indicator_id"], f["stratum_id"]) == (indicator, "T1")), None)


def computed_again(api: Api, as_of: datetime) -> dict[str, Any]:
    """What an appraisal that remembers nothing shows."""
    return shown(Appraising(CATALOGUE, FactsReader(api.client.app.state.engine, ZONE), ZONE).appraise(YEAR, as_of, NOW))


def test_polls_read_nothing_until_a_fact_known_by_their_as_of_is_recorded(
    api: Api, reader: CountingReader, memory: Appraising
) -> None:
    story = two_teams_in_2026()
    api.feed(*story)

    first = memory.appraise(YEAR, at("2027-01-15", 10), NOW)
    polled = memory.appraise(YEAR, at("2027-01-15", 11), NOW)
    api.feed(again(story[0]))  # redelivered: nothing new
    redelivered = memory.appraise(YEAR, at("2027-01-15", 11), NOW)
    assert reader.reads == 1
    assert polled.appraisal.window.as_of == at("2027-01-15", 11) and shown(polled) == shown(first) == shown(redelivered)

    api.feed(rated("s3", ref(4), T1, "2026-12-20", (5, 5, 5), known="2027-01-15T10:30:00+08:00"))  # recorded late
    late = memory.appraise(YEAR, at("2027-01-15", 12), NOW)
    assert reader.reads == 2 and value(late, "satisfaction") == "0.6667"  # s1, s3 of s1, s2, s3

    api.feed(rated("s4", ref(5), T1, "2026-12-21", (1, 1, 1), known="2027-01-16T09:00:00+08:00"))  # known tomorrow
    before = memory.appraise(YEAR, at("2027-01-15", 13), NOW)
    after = memory.appraise(YEAR, at("2027-01-16", 10), NOW)
    assert reader.reads == 3
    assert (value(before, "satisfaction"), value(after, "satisfaction")) == ("0.6667", "0.5000")
    assert shown(after) == computed_again(api, at("2027-01-16", 10))


def test_a_past_as_of_stays_remembered_while_the_facts_arriving_were_known_later(
    api: Api, reader: CountingReader, memory: Appraising
) -> None:
    api.feed(*two_teams_in_2026())
    july = at("2026-07-01", 0)

    memory.appraise(YEAR, july, NOW)
    api.feed(rated("s5", ref(6), T1, "2026-08-01", (5, 5, 5)))
    unchanged = memory.appraise(YEAR, july, NOW)
    api.feed(rated("s6", ref(7), T1, "2026-06-20", (1, 1, 1), known="2026-06-25T09:00:00+08:00"))  # recorded late
    changed = memory.appraise(YEAR, july, NOW)

    assert reader.reads == 2
    assert (value(unchanged, "satisfaction"), value(changed, "satisfaction")) == ("0.5000", "0.3333")
    assert shown(changed) == computed_again(api, july)


def test_a_fact_recorded_ahead_of_the_as_of_counts_from_when_it_is_known(
    api: Api, reader: CountingReader, memory: Appraising
) -> None:
    api.feed(*two_teams_in_2026(), rated("s7", ref(8), T1, "2026-12-30", (5, 5, 5), known="2027-01-15T12:00:00+08:00"))

    morning = [memory.appraise(YEAR, at("2027-01-15", hour), NOW) for hour in (10, 11)]
    noon = memory.appraise(YEAR, at("2027-01-15", 12), NOW)

    assert reader.reads == 2
    assert [value(a, "satisfaction") for a in (*morning, noon)] == ["0.5000", "0.5000", "0.6667"]


def test_a_new_day_and_a_passing_target_are_changes_with_no_new_fact(
    api: Api, reader: CountingReader, memory: Appraising
) -> None:
    issued = "2026-12-31T20:00:00+08:00"  # routine: 72 h, until 3 January 20:00
    api.feed(
        *two_teams_in_2026(),
        delivered("referral.ReferralIssued", issued, **by(T1), referral_id="R2", resident_ref=ref(2), issued_at=issued,
                  priority="routine", expires_at="2027-01-10T20:00:00+08:00"),
    )  # fmt: skip

    memory.appraise(YEAR, at("2026-06-15", 10), NOW)
    memory.appraise(YEAR, at("2026-06-15", 23), NOW)
    memory.appraise(YEAR, at("2026-06-16", 0), NOW)
    assert reader.reads == 2

    pending = memory.appraise(YEAR, at("2027-01-03", 10), NOW)
    still = memory.appraise(YEAR, at("2027-01-03", 19), NOW)
    passed = memory.appraise(YEAR, at("2027-01-03", 21), NOW)
    assert reader.reads == 4
    assert [value(a, "referral_timeliness") for a in (pending, still, passed)] == ["1.0000", "1.0000", "0.5000"]


def test_a_rebuild_starts_the_facts_again(api: Api, reader: CountingReader, memory: Appraising) -> None:
    story = two_teams_in_2026()
    api.feed(*story)
    before = memory.appraise(YEAR, at("2027-01-15", 10), NOW)

    api.facts.forget_everything()
    emptied = memory.appraise(YEAR, at("2027-01-15", 10), NOW)
    api.feed(*reversed(story))
    rebuilt = memory.appraise(YEAR, at("2027-01-15", 10), NOW)

    assert reader.reads == 3
    assert value(emptied, "satisfaction") is None
    assert shown(rebuilt) == shown(before)


def test_a_population_figure_recorded_is_a_change_of_the_facts(
    api: Api, reader: CountingReader, memory: Appraising
) -> None:
    api.feed(*two_teams_in_2026())
    unregistered = memory.appraise(YEAR, NOW, NOW)

    api.put("/population-register/2026/440106", {"population": 1000, "key_population": 100})
    api.own_views.catch_up()
    registered = memory.appraise(YEAR, NOW, NOW)

    def coverage(a: Appraised) -> list[Any]:
        return [
            f["value"] for f in shown(a)["figures"] if (f["indicator_id"], f["stratum_id"]) == ("coverage", "440106")
        ]

    assert reader.reads == 2
    assert (coverage(unregistered), coverage(registered)) == ([None], ["0.0020"])


def test_polls_arriving_together_compute_once(api: Api, reader: CountingReader, memory: Appraising) -> None:
    api.feed(*two_teams_in_2026())
    answers: list[Appraised] = []
    polls = [
        threading.Thread(target=lambda: answers.append(memory.appraise(YEAR, at("2027-01-15", 10), NOW)))
        for _ in range(4)
    ]

    for poll in polls:
        poll.start()
    for poll in polls:
        poll.join()

    assert reader.reads == 1
    assert len({str(shown(a)) for a in answers}) == 1 and len(answers) == 4
