"""Published results and what they were computed from: the events of a period's publication.

Each result is its own stream with one event, so the store itself refuses to replace it;
the period's stream says which result is current for each subject and what each
publication was computed from (the catalogue version, the as-of time, the stream positions).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, order=True)
class StreamPosition:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Basis:
    """What a publication was computed from; the same basis recomputes the same results."""

    revision: int
    catalogue_version: str
    computed_as_of: datetime
    positions: tuple[StreamPosition, ...]


@dataclass(frozen=True)
class IndicatorResult:
    indicator_id: str
    numerator: int
    denominator: int | None
    value: Decimal | None
    points: Decimal | None


@dataclass(frozen=True)
class SubjectResult:
    result_id: str
    subject_kind: str
    subject_id: str
    institution_id: str
    area_code: str
    score: Decimal
    grade: str
    rank_in_county: int
    rank_in_city: int
    dimensions: tuple[tuple[str, Decimal | None], ...]
    indicators: tuple[IndicatorResult, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.subject_kind, self.subject_id

    @property
    def digest(self) -> str:
        """Tells a changed result from an unchanged one, whatever its id."""
        return hashlib.sha256(repr(replace(self, result_id="")).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """The current result of one subject, as the period's stream remembers it."""

    subject_kind: str
    subject_id: str
    result_id: str
    digest: str


@dataclass(frozen=True)
class PeriodPublished:
    period: str
    basis: Basis
    published_at: datetime
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class PeriodRestated:
    period: str
    basis: Basis
    reason: str
    restated_at: datetime
    entries: tuple[Entry, ...]
    """Only the subjects whose result changed, or that are new."""


@dataclass(frozen=True)
class ResultPublished:
    period: str
    revision: int
    result: SubjectResult
    catalogue_version: str
    computed_as_of: datetime
    published_at: datetime


@dataclass(frozen=True)
class ResultRestated(ResultPublished):
    restates_result_id: str
    reason: str
