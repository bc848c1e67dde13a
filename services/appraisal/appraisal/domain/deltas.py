"""What a resident's new segments change in the figures: per indicator, stratum and instant,
the numerator and denominator to add (a case that begins to hold adds its own, one that
stops holding takes them away), so a figure at any as-of is the sum of the changes by then."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.figures import case_strata
from appraisal.domain.strata import Stratum, area_of
from appraisal.domain.trajectory import Segment


class Delta(NamedTuple):
    indicator_id: str
    stratum: Stratum
    instant: datetime
    numerator: int
    denominator: int
    area: str = ""
    """The area the stratum is in (`strata.area_of`): an area's figures are read by it."""


def deltas(catalogue: CatalogueVersion, old: Iterable[Segment], new: Iterable[Segment], since: datetime) -> list[Delta]:
    """The change from a resident's old segments to its new ones, from `since` on (both are
    taken as holding from `since` at the earliest; what held before it stays as it was)."""
    indicators = {i.id: i for i in catalogue.indicators}
    changes: dict[tuple[str, Stratum, datetime], tuple[int, int, str]] = {}
    for sign, segments in ((-1, old), (1, new)):
        for s in segments:
            n, d = s.case.numerator * sign, s.case.denominator * sign
            if (s.valid_to is not None and s.valid_to <= since) or not (n or d):
                continue
            edges = [(max(s.valid_from, since), 1)] + ([(s.valid_to, -1)] if s.valid_to is not None else [])
            for stratum in case_strata(indicators[s.indicator_id], s.case.where, s.case.key_populations):
                area = area_of(stratum.level, s.case.where)
                for at, way in edges:
                    was = changes.get((s.indicator_id, stratum, at), (0, 0, area))
                    changes[(s.indicator_id, stratum, at)] = (was[0] + way * n, was[1] + way * d, area)
    return sorted(Delta(*key, n, d, area) for key, (n, d, area) in changes.items() if n or d)
