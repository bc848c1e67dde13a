"""A read counted from the read before it: the counts changed by the sums that differ, and
the figures and scores of the strata whose counts changed figured again (and written again),
equal what counting and figuring everything again gives, over random sequences of changes (sums that cancel to
zero, strata that come and go, teams met only in cases)."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from appraisal.adapters.http.written import WrittenFigures
from appraisal.adapters.projections.cases_reads import Counts
from appraisal.adapters.projections.totals import Key, Sums, add_groups
from appraisal.application.views import Filters, figures_view
from appraisal.domain.appraisal import Counted, from_counts
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.facts import Where
from appraisal.domain.periods import Period
from services.appraisal.tests.appraisal_facts import CATALOGUE, T1, T2, T3, population, team, window

VERSION: CatalogueVersion = CATALOGUE.for_period(Period.parse("2026"))
T4 = Where("T4", "I3", "440107")  # met only in cases: no team fact
T1_ELSEWHERE = Where("T1", "I3", "440107")  # a team's cases in two places: two sums of its strata
TEAMS = (team(T1, 20), team(T2, 5), team(T3, 10))
REGISTER = (population("440106", 1000, 300, elderly=120), population("440107", 800, 200, elderly=90))
GROUP = st.tuples(
    st.sampled_from([i.id for i in VERSION.indicators]),
    st.sampled_from([T1, T2, T3, T4, T1_ELSEWHERE]),
    st.sampled_from(["", "elderly", "elderly,hypertension"]),
    st.integers(-2, 3),
    st.integers(-1, 4),
)
READS = st.lists(st.lists(GROUP, max_size=12), min_size=2, max_size=5)


def sums(groups: list[tuple[str, Where, str, int, int]]) -> Sums:
    """Each stratum's sums, as the reader adds up the changes of a view with key populations."""
    added: Sums = {}
    add_groups(added, (((i, *where, tags), (n, d)) for i, where, tags, n, d in groups), tagged=True)
    return added


def counted(counts: Counts, changed: bool) -> Counted:
    return Counted(counts.totals, set(counts.wheres), TEAMS, REGISTER, counts.changed if changed else None)


def whole(raw: Sums) -> Counts:
    return Counts.of(VERSION, raw)


def read_by_read(reads: list[list[tuple[str, Where, str, int, int]]]) -> Iterator[tuple[Sums, Counts]]:
    """Each read's sums (the changes so far) and counts, each counted from the one before."""
    raw, counts, so_far = dict[Key, tuple[int, int]](), Counts(VERSION), list[tuple[str, Where, str, int, int]]()
    for groups in reads:
        so_far += groups
        now = sums(so_far)
        counts = counts.copy()
        for key in raw.keys() | now.keys():
            counts.change(key, raw.get(key, (0, 0)), now.get(key, (0, 0)))
        raw = now
        yield raw, counts


@given(reads=READS)
@settings(max_examples=300, deadline=None)
def test_counts_changed_by_the_sums_that_differ_are_the_counts_of_all_the_sums(reads: list) -> None:
    for raw, counts in read_by_read(reads):
        fresh = whole(raw)
        assert {i: t for i, t in counts.totals.items() if t} == {i: t for i, t in fresh.totals.items() if t}
        assert counts.wheres == fresh.wheres and counts._parts == fresh._parts


@given(reads=READS)
@settings(max_examples=300, deadline=None)
def test_figures_and_scores_of_the_changed_strata_figured_again_are_those_of_all(reads: list) -> None:
    """As the reader does, the earlier appraisal is given only where the subjects are the
    same: the wheres of the cases counted by team too."""
    earlier, wheres, written = None, None, WrittenFigures(2)
    for raw, counts in read_by_read(reads):
        fresh = from_counts(VERSION, window(), counted(whole(raw), changed=False))
        since = earlier is not None and set(counts.wheres) == wheres
        again = from_counts(VERSION, window(), counted(counts, changed=since), earlier=earlier if since else None)
        assert again == fresh
        for only in (Filters(), Filters(key_population="*", area="440107")):  # each indicator's written once
            assert written.figures(again, only) == to_json(figures_view(fresh, only))
        earlier, wheres = again, set(counts.wheres)
