"""The indicator catalogue as data: a JSON file per deployment (CATALOGUE_FILE), checked at start.

A bad catalogue stops the service: an unknown method, a missing parameter, thresholds
the wrong way round, a register-based indicator reported by team, versions in force at once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from appraisal.domain.catalogue import KEY_POPULATION, LEVELS, Catalogue, CatalogueVersion, Dimension, Grades, Indicator
from appraisal.domain.indicators import METHODS

DEFAULT = Path(__file__).with_name("indicators.json")
STRATA = (*LEVELS, KEY_POPULATION)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    title: str
    dimension: Dimension
    method: str
    numerator: str
    denominator: str | None
    exclusions: list[str]
    formula: str
    strata: list[str] = Field(min_length=1)
    target: Decimal | None
    weight: Decimal = Field(ge=0)
    lower: Decimal | None
    upper: Decimal | None
    ceiling: Decimal | None = None
    parameters: dict[str, Any]

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        method = METHODS.get(self.method)
        if method is None:
            raise ValueError(f"{self.id}: unknown method {self.method!r}; known: {sorted(METHODS)}")
        if missing := [p for p in method.parameters if p not in self.parameters]:
            raise ValueError(f"{self.id}: parameters {missing} are required by {self.method}")
        if unknown := [s for s in self.strata if s not in STRATA]:
            raise ValueError(f"{self.id}: unknown strata {unknown}; known: {list(STRATA)}")
        if method.denominator in ("population", "key_population") and {"team", "institution"} & set(self.strata):
            raise ValueError(f"{self.id}: the population register is by area: report it by county, city, province")
        if self.weight > 0 and (self.lower is None or self.upper is None or self.lower >= self.upper):
            raise ValueError(f"{self.id}: a scored indicator needs lower < upper thresholds")
        return self


class _Version(_Strict):
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    valid_from: date
    valid_to: date | None
    grades: dict[str, Decimal]
    note: str = ""
    indicators: list[_Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        ids = [i.id for i in self.indicators]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.version}: indicator ids repeat")
        if set(self.grades) != {"excellent", "qualified"} or self.grades["excellent"] < self.grades["qualified"]:
            raise ValueError(f"{self.version}: grades are excellent ≥ qualified")
        return self


class _File(_Strict):
    source: str
    versions: list[_Version] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_in_force_at_a_time(self) -> Self:
        spans = sorted((v.valid_from, v.valid_to or date.max, v.version) for v in self.versions)
        for (_, end, earlier), (start, _, later) in pairwise(spans):
            if start <= end:
                raise ValueError(f"catalogue versions {earlier} and {later} are in force at once")
        return self


def load_catalogue(path: Path = DEFAULT) -> Catalogue:
    data = _File.model_validate_json(path.read_bytes())
    return Catalogue(tuple(_version(v, data.source) for v in data.versions))


def _version(v: _Version, source: str) -> CatalogueVersion:
    grades = Grades(v.grades["excellent"], v.grades["qualified"])
    return CatalogueVersion(
        v.version, v.valid_from, v.valid_to, grades, tuple(_indicator(i) for i in v.indicators), source
    )


def _indicator(i: _Indicator) -> Indicator:
    fields = i.model_dump(exclude={"exclusions", "strata"})
    return Indicator(**fields, exclusions=tuple(i.exclusions), strata=tuple(i.strata))
