"""Appraising: the catalogue in force, the facts as known at `as_of`, the pure computation.

The live view, the drill-down and every publication go through here, so a figure on screen
and a published one are computed the same way from the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from appraisal.domain.appraisal import Appraisal, appraise
from appraisal.domain.catalogue import Catalogue
from appraisal.domain.errors import AsOfInTheFuture
from appraisal.domain.facts import Facts
from appraisal.domain.periods import Period, Window
from appraisal.domain.results import StreamPosition


@dataclass(frozen=True)
class Snapshot:
    facts: Facts
    positions: tuple[StreamPosition, ...]
    """How far each stream had been applied when the facts were read."""


class FactsSource(Protocol):
    def snapshot(self, as_of: datetime, period: Period, area: str = "") -> Snapshot: ...


@dataclass(frozen=True)
class Appraised:
    appraisal: Appraisal
    positions: tuple[StreamPosition, ...]


class Appraising:
    def __init__(self, catalogue: Catalogue, facts: FactsSource, zone: tzinfo) -> None:
        self.catalogue, self._facts, self._zone = catalogue, facts, zone

    def appraise(self, period: Period, as_of: datetime, now: datetime, area: str = "") -> Appraised:
        """Facts recorded later than `as_of` may still come, so a future as-of could change."""
        if as_of > now:
            raise AsOfInTheFuture(f"as_of {as_of.isoformat()} is later than now: its figures could still change")
        version = self.catalogue.for_period(period)
        snapshot = self._facts.snapshot(as_of, period, ranked_within(area))
        return Appraised(appraise(version, snapshot.facts, Window(period, as_of, self._zone)), snapshot.positions)


def ranked_within(area: str) -> str:
    """The area whose facts a view of `area` needs: its whole city, since ranks are by city too."""
    return area[:4] if len(area) > 4 else area
