"""Reads kept for the polls that follow: a later as-of is answered from the read before it
exactly while nothing it counts changed, and reads the projection again as soon as anything did."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

import pytest
from sqlalchemy import Engine

from appraisal.adapters.projections import stamps
from appraisal.adapters.projections.figures_reader import FiguresReader
from appraisal.application.appraising import Appraising, Read
from appraisal.application.recent import Bounded
from appraisal.application.views import Filters, figures_view, scores_view
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.periods import Period
from services.appraisal.tests.appraisal_events import R1, R2, R3, T1, T2, by, delivered, rated, two_teams_in_2026
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE

Api = Any  # the `api` fixture (appraisal_api.Api)
YEAR = Period.parse("2026")
NOW = datetime.fromisoformat("2026-12-20T10:00:00+08:00")
T3 = ("T3", "I3", "440107")


class CountingReader(FiguresReader):
    reads = 0

    def __init__(self, engine: Engine, zone: tzinfo) -> None:
        super().__init__(engine, zone)
        self.from_before = list[bool]()
        """Of each read: whether it was counted from the read before it."""

    def counted(  # noqa: PLR0913
        self, version: CatalogueVersion, period: Period, moments: Sequence[datetime], area: str, tagged: bool = True,
        since: object = None, indicators: Collection[str] | None = None,
    ) -> Read:  # fmt: skip
        self.reads += 1
        read = super().counted(version, period, moments, area, tagged, since, indicators)
        self.from_before.append(read.counted[-1].changed is not None)
        return read


@pytest.fixture
def reader(api: Api) -> CountingReader:
    api.feed(*two_teams_in_2026())
    return CountingReader(api.client.app.state.engine, ZONE)


def shown(appraising: Appraising, as_of: datetime) -> dict[str, Any]:
    a = appraising.appraise(YEAR, as_of, as_of).appraisal
    return {"as_of": a.window.as_of, "figures": figures_view(a, Filters()), "scores": scores_view(a, Filters())}


def fresh(api: Api, as_of: datetime) -> dict[str, Any]:
    return shown(Appraising(CATALOGUE, FiguresReader(api.client.app.state.engine, ZONE), ZONE), as_of)


def test_polls_with_nothing_new_read_once_and_answer_what_reading_again_would(api: Api, reader: CountingReader) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE)
    polls = [shown(appraising, NOW + timedelta(seconds=5 * i)) for i in range(4)]

    assert reader.reads == 1
    assert polls == [fresh(api, NOW + timedelta(seconds=5 * i)) for i in range(4)]


def test_a_read_heavier_than_its_share_of_the_memory_is_not_kept(api: Api, reader: CountingReader) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE, memory=1_000)  # a county's figures weigh more
    polls = [shown(appraising, NOW + timedelta(seconds=5 * i)) for i in range(3)]

    assert reader.reads == 3
    assert reader.from_before == [False] * 3  # its counts were not kept either
    assert polls == [fresh(api, NOW + timedelta(seconds=5 * i)) for i in range(3)]


def test_what_is_kept_stays_within_its_count_and_its_weight() -> None:
    kept = Bounded[str, int](3, budget=10, weigh=lambda v: v)
    for key, value in (("a", 4), ("b", 4), ("c", 1)):
        kept.put(key, value)
    assert kept.get("a") == 4  # now the most recently used

    kept.put("d", 3)  # 12 > 10: the least recently used goes
    assert (kept.held(), kept.weight) == (["c", "a", "d"], 8)

    kept.put("e", 11)  # heavier than the whole budget: not kept, nothing else dropped
    kept.put("f", 0)
    assert (kept.held(), kept.weight) == (["a", "d", "f"], 7)  # at most three

    kept.put("a", 1)  # kept again: weighed again
    assert (kept.pop("d"), kept.held(), kept.weight) == (3, ["f", "a"], 1)


def test_a_new_fact_is_read_at_once(api: Api, reader: CountingReader) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE)
    before = shown(appraising, NOW)

    api.feed(rated("s9", R1, T1, "2026-12-01", (1, 1, 1)))
    after = shown(appraising, NOW + timedelta(seconds=5))

    assert reader.reads == 2
    assert after == fresh(api, NOW + timedelta(seconds=5)) and after["figures"] != before["figures"]


def test_a_change_counted_between_the_two_as_ofs_is_read(api: Api, reader: CountingReader) -> None:
    """c1's contract year ends on 28 February 2026: from midnight it counts as a year completed."""
    appraising = Appraising(CATALOGUE, reader, ZONE)
    last_day, next_day = (datetime.fromisoformat(f"2026-{d}T10:00:00+08:00") for d in ("02-28", "03-01"))
    a, b = shown(appraising, last_day), shown(appraising, next_day)

    assert reader.reads == 2 and a["figures"] != b["figures"]
    assert b == fresh(api, next_day)


@pytest.mark.parametrize(
    ("area", "seen"),
    [("", True), ("44", True), ("4401", True), ("440106", True), ("440107", False), ("4402", False)],
)
def test_a_change_counted_between_two_as_ofs_is_seen_in_its_area_only(api: Api, area: str, seen: bool) -> None:
    """s1, T1's rating on 1 June, counts in T1's county (440106) and wider, not in T2's."""
    api.feed(*two_teams_in_2026())
    since, until = (datetime.fromisoformat(f"2026-{d}T00:00:00+08:00") for d in ("06-01", "06-02"))
    with api.client.app.state.engine.connect() as conn:
        stamp, changed = stamps.still(conn, "2026", area, since, until)
        assert stamp == stamps.stamp(conn)

    assert changed == seen


def test_an_earlier_as_of_than_any_read_is_read(api: Api, reader: CountingReader) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE)
    shown(appraising, NOW)

    earlier = shown(appraising, NOW - timedelta(days=200))

    assert reader.reads == 2 and earlier == fresh(api, NOW - timedelta(days=200))


TODAY = "2026-12-20T09:30:00+08:00"  # before NOW, after the midnight whose strata the first read keeps


def test_a_read_after_new_facts_counts_from_the_read_before_and_gives_what_reading_whole_gives(
    api: Api, reader: CountingReader
) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE)
    shown(appraising, NOW)

    api.feed(
        rated("s9", R1, T1, "2026-12-19", (1, 1, 1), known=TODAY),
        rated("s8", R3, T2, "2026-12-19", (5, 4, 5), known=TODAY),
    )
    after = shown(appraising, NOW + timedelta(seconds=5))
    assert after == fresh(api, NOW + timedelta(seconds=5))
    api.feed(rated("s7", R2, T1, "2026-12-19", (5, 5, 5), known=TODAY))
    again = shown(appraising, NOW + timedelta(seconds=10))
    assert again == fresh(api, NOW + timedelta(seconds=10))

    assert reader.from_before == [False, True, True]
    assert after["figures"] != again["figures"]


def test_each_of_the_views_read_last_counts_from_its_read_before(api: Api, reader: CountingReader) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE, kept=4)
    views = [(area, tagged) for area in ("", "4401") for tagged in (False, True)]
    for area, tagged in views:
        appraising.appraise(YEAR, NOW, NOW, area, tagged)

    api.feed(rated("s9", R1, T1, "2026-12-19", (1, 1, 1), known=TODAY))
    for area, tagged in views:
        appraising.appraise(YEAR, NOW + timedelta(seconds=5), NOW + timedelta(seconds=5), area, tagged)

    assert reader.from_before == [False] * 4 + [True] * 4


def test_a_past_as_of_read_between_two_live_reads_leaves_the_live_view_counting_on(
    api: Api, reader: CountingReader
) -> None:
    appraising = Appraising(CATALOGUE, reader, ZONE)
    shown(appraising, NOW)
    shown(appraising, NOW - timedelta(days=30))  # read whole: counts on only from an earlier as-of

    api.feed(rated("s9", R1, T1, "2026-12-19", (1, 1, 1), known=TODAY))
    after = shown(appraising, NOW + timedelta(seconds=5))

    assert after == fresh(api, NOW + timedelta(seconds=5))
    assert reader.from_before == [False, False, True]


def test_a_late_fact_or_a_new_team_is_read_whole(api: Api, reader: CountingReader) -> None:
    """A fact known before the midnight whose strata were kept drops them; a new team is a new
    subject, and a doctor's new cap changes a team's capacity: every figure may change. (The
    reader keeps the teams it read while no team or change of one is new.)"""
    appraising = Appraising(CATALOGUE, reader, ZONE)
    shown(appraising, NOW)

    api.feed(rated("s9", R1, T1, "2026-12-01", (1, 1, 1)))
    late = shown(appraising, NOW + timedelta(seconds=5))
    assert late == fresh(api, NOW + timedelta(seconds=5))
    api.feed(delivered("signing.TeamRegistered", TODAY, **by(T3), members=[]))
    joined = shown(appraising, NOW + timedelta(seconds=10))
    assert joined == fresh(api, NOW + timedelta(seconds=10))
    cap = {"team_id": T1[0], "member_id": "doc-0", "resident_cap": 3, "changed_at": "2026-12-20T09:00:00+08:00"}
    api.feed(delivered("signing.ResidentCapChanged", TODAY, **cap))
    capped = shown(appraising, NOW + timedelta(seconds=15))
    assert capped == fresh(api, NOW + timedelta(seconds=15)) and capped["figures"] != joined["figures"]

    assert reader.from_before == [False, False, False, False]


def test_a_past_as_of_stays_read_while_the_facts_applied_are_known_after_it(api: Api, reader: CountingReader) -> None:
    """Events applied since a read change nothing by an earlier moment unless they were known
    by then: a past as-of (a series' past month) is answered from the read before."""
    appraising = Appraising(CATALOGUE, reader, ZONE)
    past = NOW - timedelta(days=30)
    shown(appraising, past)

    api.feed(rated("s9", R1, T1, "2026-12-19", (1, 1, 1), known=TODAY))
    unchanged = shown(appraising, past)
    assert reader.reads == 1 and unchanged == fresh(api, past)

    api.feed(rated("s8", R3, T2, "2026-11-01", (5, 5, 5)))  # known before the as-of: it counts
    late = shown(appraising, past)
    assert reader.reads == 2 and late == fresh(api, past) and late != unchanged
