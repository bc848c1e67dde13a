"""The indicator catalogue, in the style of FHIR Measure and the NHS QOF: data, versioned
and effective-dated, so each year is appraised under that year's rules.

Each indicator names a method (the computation, in `indicators/`) and carries everything
a reader needs to check it: numerator, denominator, exclusions, strata, the formula in
words, and how it scores (weight, lower and upper thresholds, QOF-style linear points).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any, Literal

from appraisal.domain.errors import NoCatalogueInForce, UnknownIndicator
from appraisal.domain.periods import Period

Dimension = Literal["contracted_services", "effective_contracting", "effective_performance", "service_effect"]
DIMENSIONS: tuple[Dimension, ...] = (
    "contracted_services",
    "effective_contracting",
    "effective_performance",
    "service_effect",
)
Level = Literal["team", "institution", "county", "city", "province"]
LEVELS: tuple[Level, ...] = ("team", "institution", "county", "city", "province")
SCORED_LEVELS: tuple[Level, ...] = ("team", "institution")
KEY_POPULATION = "key_population"
POINTS = Decimal("0.01")


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    dimension: Dimension
    method: str
    numerator: str
    denominator: str | None
    exclusions: tuple[str, ...]
    formula: str
    strata: tuple[str, ...]
    weight: Decimal = Decimal(0)
    target: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    ceiling: Decimal | None = None
    """Above it the indicator scores nothing (workload over the cap is overload, not merit)."""
    parameters: Mapping[str, Any] = field(default_factory=dict)

    # Asked of every figure of a city's read (tens of thousands): worked out once.
    @cached_property
    def levels(self) -> tuple[str, ...]:
        return tuple(s for s in self.strata if s != KEY_POPULATION)

    @cached_property
    def by_key_population(self) -> bool:
        return KEY_POPULATION in self.strata

    @cached_property
    def scored(self) -> bool:
        return self.weight > 0 and self.lower is not None and self.upper is not None

    def points(self, value: Decimal | None) -> Decimal | None:
        """Linear between the lower (0 points) and upper (full weight) thresholds, as QOF does."""
        if value is None or not self.scored:
            return None
        if self.ceiling is not None and value > self.ceiling:
            return _NO_POINTS
        lower, span = self._span
        share = (value - lower) / span
        return (self.weight * (_NONE if share < 0 else _ALL if share > 1 else share)).quantize(POINTS, ROUND_HALF_UP)

    @cached_property
    def _span(self) -> tuple[Decimal, Decimal]:
        assert self.lower is not None and self.upper is not None
        return self.lower, self.upper - self.lower


_NONE, _ALL, _NO_POINTS = Decimal(0), Decimal(1), Decimal(0).quantize(POINTS)


@dataclass(frozen=True)
class Grades:
    """The lowest score of each grade; below `qualified` is unqualified."""

    excellent: Decimal
    qualified: Decimal

    def of(self, score: Decimal) -> str:
        if score >= self.excellent:
            return "excellent"
        return "qualified" if score >= self.qualified else "unqualified"


@dataclass(frozen=True)
class CatalogueVersion:
    version: str
    valid_from: date
    valid_to: date | None
    grades: Grades
    indicators: tuple[Indicator, ...]
    source: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise UnknownIndicator(f"catalogue {self.version} has no indicator {indicator_id!r}")


@dataclass(frozen=True)
class Catalogue:
    versions: tuple[CatalogueVersion, ...]

    def for_period(self, period: Period) -> CatalogueVersion:
        """The rules in force on the period's first day: each year under that year's rules."""
        for version in self.versions:
            if version.in_force_on(period.first):
                return version
        raise NoCatalogueInForce(f"no indicator catalogue is in force on {period.first} (period {period.code})")
