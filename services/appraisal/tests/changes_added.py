"""Changes and cases added up per figure, for the tests holding the projection's changes to the appraisal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.figures import added_up, grouped
from appraisal.domain.steps import Net, held, net
from appraisal.domain.strata import Stratum
from appraisal.domain.trajectory import Segment

K = TypeVar("K")
Figures = dict[tuple[str, Stratum], tuple[int, int]]


def figures_of(version: CatalogueVersion, cases: Mapping[str, Sequence[Case]]) -> Figures:
    """What the figures add up, without the known subjects' empty strata."""
    found: Figures = {}
    for indicator in version.indicators:
        for stratum, sums in added_up(indicator, grouped(cases.get(indicator.id, ()))).items():
            if sums != (0, 0):
                found[(indicator.id, stratum)] = sums
    return found


def added_by(version: CatalogueVersion, changes: Mapping[str, Net], as_of: datetime) -> Figures:
    """Per indicator's figure, every change by the as-of."""
    found: Figures = {}
    for indicator in version.indicators:
        by_then = ((w, t, n, d) for (at, w, t), (n, d) in changes.get(indicator.id, {}).items() if at <= as_of)
        found |= {(indicator.id, s): sums for s, sums in added_up(indicator, by_then).items() if sums != (0, 0)}
    return found


def per_indicator(segments: Iterable[Segment], since: datetime) -> dict[str, Net]:
    """Segments as the changes they make from `since` on, per indicator."""
    found: dict[str, list[Segment]] = {}
    for s in segments:
        found.setdefault(s.indicator_id, []).append(s)
    return {i: net(held(found_i, since)) for i, found_i in found.items()}


def add(into: dict[K, Net], more: Mapping[K, Net], sign: int = 1) -> None:
    for key, change in more.items():
        into[key] = net(((*k, *sums) for k, sums in change.items()), sign, into.get(key, {}))
