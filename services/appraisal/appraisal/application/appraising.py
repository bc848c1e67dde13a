"""Appraising: the catalogue in force, and the figures the projection counted by `as_of`.

The live view, the series, the drill-down and every publication go through here, so a figure
on screen and a published one come from the same counts: the cases added up per team (or
area) and key populations, kept current as facts arrive (`adapters/projections/cases.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Protocol

from appraisal.application import access
from appraisal.application.recent import Bounded, Recent, Unchanged
from appraisal.domain.appraisal import Appraisal, Counted, from_counts, in_stratum
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import Catalogue, CatalogueVersion
from appraisal.domain.errors import AsOfInTheFuture, UnknownStratum
from appraisal.domain.figures import Figure
from appraisal.domain.periods import Period, Window
from appraisal.domain.results import StreamPosition
from appraisal.domain.strata import Stratum
from shared.principal import Principal


@dataclass(frozen=True)
class Read:
    counted: list[Counted]
    """At each moment asked."""
    positions: tuple[StreamPosition, ...]
    """How far each stream had been applied when the counts were read."""
    stamp: Hashable
    """How far every source of facts had been applied (`unchanged` compares it with now)."""
    since: object = None
    """What a later read of the same view may count from (`counted(since=...)`), if any."""


class FiguresSource(Protocol):
    def counted(  # noqa: PLR0913
        self, version: CatalogueVersion, period: Period, moments: Sequence[datetime], area: str, tagged: bool = True,
        since: object = None, indicators: Collection[str] | None = None,
    ) -> Read:  # fmt: skip
        """The cases in the area (by the team's area, or the resident's where counted there)
        added up per stratum (`tagged`: the key populations' too), the teams there and the
        register, as known at each moment: from one snapshot. `since`: an earlier read of the
        same view (its `Read.since`), which the counts may be counted from: then each
        `Counted.changed` says which strata differ from it. `indicators`: the counts of those
        only (a series'), with the subjects every indicator's cases make known."""
        ...

    def unchanged(self, stamp: Hashable, period: Period, area: str, since: datetime, until: datetime) -> bool:
        """Nothing was applied since the read stamped so, and nothing counted in the area
        changes at an instant in (since, until]: the counts as of both are the same."""
        ...

    def residents(self, stratum: Stratum, after: str, limit: int) -> list[str]:
        """The next `limit` residents after `after` (by ref) who may have a case in the stratum."""
        ...

    def cases(
        self, version: CatalogueVersion, period: Period, as_of: datetime, refs: Collection[str]
    ) -> dict[str, list[Case]]:
        """Per indicator, these residents' cases at the as-of."""
        ...

    def team_area(self, team_id: str) -> str | None:
        """The area the team was registered in (None: not known yet)."""
        ...


@dataclass(frozen=True)
class Appraised:
    appraisal: Appraisal
    positions: tuple[StreamPosition, ...]


@dataclass(frozen=True)
class Series:
    catalogue: CatalogueVersion
    points: list[tuple[datetime, Appraisal]]


@dataclass(frozen=True)
class DrilledDown:
    appraised: Appraised
    figure: Figure
    cases: list[Case]
    next_after: str | None
    """The last resident ref looked at, when more may follow (None: the last page)."""


FIGURE_BYTES, COUNT_BYTES = 600, 850
"""What a figure of a kept read holds in memory, and the counts it came from (measured with
tracemalloc on a city of a million residents: 577–610 and 804–850 bytes a figure)."""
SHARES = {"reads": 0.3, "series": 0.15, "counts": 0.4, "written": 0.13, "scores": 0.02}
"""How a memory budget for what is kept is shared: the reads, the series' points, the counts
the next reads count from, and the figures and scores as written (`WrittenFigures`,
`WrittenScores`: a city's are 5.4 MB and 0.45 MB)."""


class Appraising:
    def __init__(
        self, catalogue: Catalogue, figures: FiguresSource, zone: tzinfo, kept: int = 8, memory: int | None = None
    ) -> None:
        """`kept`: how many reads are kept for the polls that follow (`recent`); the latest of as
        many views keeps what the next read of the view counts from (`Read.since`).
        `memory`: the bytes all of them may take (None: no bound), shared as `SHARES` says."""
        self.catalogue, self._figures, self._zone = catalogue, figures, zone
        budget = {name: None if memory is None else int(memory * share) for name, share in SHARES.items()}
        self._appraised = Recent[Appraised](kept, budget["reads"], lambda a: FIGURE_BYTES * len(a.appraisal.figures))
        self._points = Recent[Appraisal](kept * 12, budget["series"], lambda a: FIGURE_BYTES * len(a.figures))
        self._latest = Bounded[Hashable, tuple[Appraised, object]](  # of each view: its read and counts
            kept, budget["counts"], lambda a: COUNT_BYTES * len(a[0].appraisal.figures)
        )

    def appraise(  # noqa: PLR0913
        self, period: Period, as_of: datetime, now: datetime, area: str = "", tagged: bool = True,
        team: str | None = None,
    ) -> Appraised:  # fmt: skip
        """`tagged`: the key populations' figures too (scores never need them); `team`: the view
        is of that team's figures (`counted_in`). Facts recorded later than `as_of` may still
        come, so a future as-of could change."""
        if as_of > now:
            raise AsOfInTheFuture(f"as_of {as_of.isoformat()} is later than now: its figures could still change")
        version, scope = self.catalogue.for_period(period), self.counted_in(area, team)
        key, unchanged = (period.code, version.version, scope, tagged), self._unchanged(period, scope)
        if (found := self._appraised.recall(key, as_of, unchanged)) is not None:
            return Appraised(replace(found.appraisal, window=self._window(period, as_of)), found.positions)
        latest = self._latest.get(key)
        since, earlier = (latest[1], latest[0].appraisal) if latest is not None else (None, None)
        read = self._figures.counted(version, period, [as_of], scope, tagged, since)
        appraisal = from_counts(version, self._window(period, as_of), read.counted[0], earlier=earlier)
        appraised = Appraised(appraisal, read.positions)
        self._appraised.keep(key, as_of, read.stamp, appraised)
        if latest is None or latest[0].appraisal.window.as_of <= as_of:
            # A read counts on only from an earlier as-of: a past one (an official looking back,
            # a drill-down) kept here would make the live view's next read whole again.
            self._latest.put(key, (appraised, read.since))
        return appraised

    def series(  # noqa: PLR0913
        self, period: Period, indicator_ids: Collection[str], now: datetime, area: str = "", tagged: bool = True,
        team: str | None = None,
    ) -> Series:  # fmt: skip
        """These indicators as of the end of each month of the period, up to now."""
        version = self.catalogue.for_period(period)
        ids = {version.indicator(i).id for i in indicator_ids}  # an unknown one is refused first
        moments, scope = month_ends_until(period, self._zone, now), self.counted_in(area, team)
        key, unchanged = (
            (period.code, version.version, scope, tagged, tuple(sorted(ids))),
            self._unchanged(period, scope),
        )
        points = {m: self._points.recall(key, m, unchanged) for m in moments}
        missing = [m for m, point in points.items() if point is None]  # past months' stay kept
        for m in missing:  # one month's counts at a time: a city's are megabytes
            read = self._figures.counted(version, period, [m], scope, tagged, indicators=ids)
            points[m] = point = from_counts(version, self._window(period, m), read.counted[0], ids)
            self._points.keep(key, m, read.stamp, point)
        return Series(version, [(m, replace(p, window=self._window(period, m))) for m, p in points.items() if p])

    def drill_down(  # noqa: PLR0913
        self, who: Principal, period: Period, as_of: datetime, now: datetime, indicator_id: str, stratum: Stratum,
        after: str = "", limit: int = 100,
    ) -> DrilledDown:  # fmt: skip
        """A figure and the cases behind it of the next `limit` residents (by ref) after `after`:
        for officials of the stratum's area only."""
        appraised = self.appraise(period, as_of, now, access.drill_down_area(who), bool(stratum.key_population))
        a = appraised.appraisal
        indicator = a.catalogue.indicator(indicator_id)
        in_stratum(indicator, stratum, ())  # a stratum the indicator is not reported by is refused
        found = [f for f in a.figures if f.indicator_id == indicator.id and f.stratum == stratum]
        if not found:
            raise UnknownStratum(f"no {indicator_id} figure for {stratum.level} {stratum.id} in {period.code}")
        access.may_drill_down(who, a.subjects.area_of(stratum))
        refs = self._figures.residents(stratum, after, limit)
        cases = self._figures.cases(a.catalogue, period, as_of, refs).get(indicator.id, [])
        more = refs[-1] if len(refs) == limit else None
        return DrilledDown(appraised, found[0], in_stratum(indicator, stratum, cases), more)

    def counted_in(self, area: str, team: str | None = None) -> str:
        """The area whose counts a view needs (`ranked_within`). A view of one team with no area
        named (a family doctor's poll of their team) needs its city's, for its ranks, not the
        province's: counted whole at every poll, far over what a kept read may hold. A team not
        known yet has no figures: nothing is counted (`NOWHERE`)."""
        if area or team is None:
            return ranked_within(area)
        return ranked_within(self._figures.team_area(team) or NOWHERE)

    def _unchanged(self, period: Period, scope: str) -> Unchanged:
        return lambda stamp, since, until: self._figures.unchanged(stamp, period, scope, since, until)

    def _window(self, period: Period, as_of: datetime) -> Window:
        return Window(period, as_of, self._zone)


def month_ends_until(period: Period, zone: tzinfo, now: datetime) -> list[datetime]:
    """The end of each month of the period that has begun by now; the month still running ends now."""
    now, moments = now.astimezone(zone), list[datetime]()
    for end in period.month_ends(zone):
        if moments and moments[-1] >= now:
            break
        moments.append(min(end, now))
    return moments if moments and period.first <= now.date() else []


NOWHERE = "-"
"""An area no area code is inside."""


def ranked_within(area: str) -> str:
    """The area whose counts a view of `area` needs: its whole city, since ranks are by city too."""
    return area[:4] if len(area) > 4 else area
