"""Appraising: the catalogue in force, the facts as known at `as_of`, the pure computation.

The live view, the drill-down and every publication go through here, so a figure on screen
and a published one are computed the same way from the same facts. What was computed is
remembered while it still holds (`remembered`): a poll with no new fact that could matter
is answered without reading or computing anything again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import cache
from typing import Protocol, TypeVar

from appraisal.application.remembered import Mark, Memory, Remembered, collecting_later
from appraisal.domain.appraisal import Appraisal, Measured, appraise, measured
from appraisal.domain.catalogue import Catalogue, CatalogueVersion
from appraisal.domain.errors import AsOfInTheFuture
from appraisal.domain.facts import Facts
from appraisal.domain.periods import Period, Window
from appraisal.domain.results import StreamPosition

V = TypeVar("V")


@dataclass(frozen=True)
class Snapshot:
    facts: Facts
    positions: tuple[StreamPosition, ...]
    """How far each stream had been applied when the facts were read."""
    mark: Mark
    next_known: datetime | None
    """The earliest later time a fact recorded by then becomes known (None: none)."""


class FactsSource(Protocol):
    def snapshot(self, as_of: datetime, period: Period, area: str = "") -> Snapshot: ...

    def snapshots(self, moments: Sequence[datetime], period: Period, area: str = "") -> list[Snapshot]:
        """The facts known at each moment, read once."""
        ...

    def known_since(self, mark: Mark) -> datetime | None: ...


@dataclass(frozen=True)
class Appraised:
    appraisal: Appraisal
    positions: tuple[StreamPosition, ...]


class Appraising:
    def __init__(self, catalogue: Catalogue, facts: FactsSource, zone: tzinfo, remembered: int = 4) -> None:
        self.catalogue, self._facts, self._zone = catalogue, facts, zone
        self._appraisals = Memory[Appraised](remembered)
        self._measures = Memory[Measured](remembered * 32)  # figures only: much smaller

    def appraise(self, period: Period, as_of: datetime, now: datetime, area: str = "") -> Appraised:
        """Facts recorded later than `as_of` may still come, so a future as-of could change."""
        if as_of > now:
            raise AsOfInTheFuture(f"as_of {as_of.isoformat()} is later than now: its figures could still change")
        version, scope = self.catalogue.for_period(period), ranked_within(area)
        key = (period.code, version.version, scope)
        with collecting_later():
            known_since = cache(self._facts.known_since)
            if (found := self._appraisals.recall(key, as_of, known_since)) is None:
                with self._appraisals.computing(key):
                    if (found := self._appraisals.recall(key, as_of, known_since)) is None:
                        found = self._appraise(key, version, period, as_of, scope)
        return Appraised(replace(found.appraisal, window=self._window(period, as_of)), found.positions)

    def series(self, period: Period, indicator_ids: Collection[str], now: datetime, area: str = "") -> Series:
        """These indicators as of the end of each month of the period, up to now. The facts are
        read once for the points not remembered (the past months' stay remembered as long as no
        fact known by then arrives late), and each point computes these indicators only."""
        version, scope = self.catalogue.for_period(period), ranked_within(area)
        ids = tuple(sorted({version.indicator(i).id for i in indicator_ids}))  # an unknown one is refused first
        moments, key = month_ends_until(period, self._zone, now), (period.code, version.version, scope, ids)
        with collecting_later(), self._measures.computing(key):
            known_since = cache(self._facts.known_since)
            found = {m: self._measures.recall(key, m, known_since) for m in moments}
            missing = [m for m, measures in found.items() if measures is None]
            for m, snapshot in zip(missing, self._facts.snapshots(missing, period, scope), strict=True):
                found[m] = self._measure(key, version, snapshot, self._window(period, m), ids)
        return Series(version, [(m, measures) for m, measures in found.items() if measures is not None])

    def _appraise(
        self, key: tuple[str, ...], version: CatalogueVersion, period: Period, as_of: datetime, scope: str
    ) -> Appraised:
        snapshot = self._facts.snapshot(as_of, period, scope)
        appraisal = appraise(version, snapshot.facts, self._window(period, as_of))
        appraised = Appraised(appraisal, snapshot.positions)
        self._appraisals.remember(key, _remembered(appraised, snapshot, as_of, appraisal.steady_until))
        return appraised

    def _measure(
        self,
        key: tuple[object, ...],
        version: CatalogueVersion,
        snapshot: Snapshot,
        window: Window,
        indicator_ids: Collection[str],
    ) -> Measured:
        found = measured(version, snapshot.facts, window, indicator_ids)
        self._measures.remember(key, _remembered(found, snapshot, window.as_of, found.steady_until))
        return found

    def _window(self, period: Period, as_of: datetime) -> Window:
        return Window(period, as_of, self._zone)


def _remembered(value: V, snapshot: Snapshot, as_of: datetime, steady: datetime | None) -> Remembered[V]:
    until = min((t for t in (steady, snapshot.next_known) if t is not None), default=None)
    return Remembered(value, snapshot.mark, as_of, until)


@dataclass(frozen=True)
class Series:
    catalogue: CatalogueVersion
    points: list[tuple[datetime, Measured]]


def month_ends_until(period: Period, zone: tzinfo, now: datetime) -> list[datetime]:
    """The end of each month of the period that has begun by now; the month still running ends now."""
    now, moments = now.astimezone(zone), list[datetime]()
    for end in period.month_ends(zone):
        if moments and moments[-1] >= now:
            break
        moments.append(min(end, now))
    return moments if moments and period.first <= now.date() else []


def ranked_within(area: str) -> str:
    """The area whose facts a view of `area` needs: its whole city, since ranks are by city too."""
    return area[:4] if len(area) > 4 else area
