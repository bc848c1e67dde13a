"""Figures: an indicator's cases added up per stratum, with the value and QOF points."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import Indicator
from appraisal.domain.facts import PopulationFigure
from appraisal.domain.indicators import Method
from appraisal.domain.strata import Stratum, Subjects, area_prefix, stratum_id

VALUE = Decimal("0.0001")


@dataclass(frozen=True)
class Figure:
    indicator_id: str
    stratum: Stratum
    numerator: int
    denominator: int | None
    """None for a count, or when the register has no figure for the area."""
    value: Decimal | None
    """numerator ÷ denominator to four places (a count: the count); None when the denominator is empty."""
    points: Decimal | None


def measure(  # noqa: PLR0913
    indicator: Indicator,
    method: Method,
    cases: list[Case],
    subjects: Subjects,
    register: tuple[PopulationFigure, ...],
    year: int,
) -> list[Figure]:
    groups = strata_of(indicator, cases, subjects)
    figures = []
    for stratum, members in sorted(groups.items()):
        numerator = sum(c.numerator for c in members)
        denominator = _denominator(indicator, method, stratum, members, subjects, register, year)
        value = _value(numerator, denominator, counted=method.denominator == "none")
        figures.append(Figure(indicator.id, stratum, numerator, denominator, value, indicator.points(value)))
    return figures


def strata_of(indicator: Indicator, cases: list[Case], subjects: Subjects) -> dict[Stratum, list[Case]]:
    """Each case under every stratum of the indicator it falls in; known subjects with no case too."""
    groups: dict[Stratum, list[Case]] = defaultdict(list)
    for level in indicator.levels:
        for known in subjects.at(level):
            groups[known] = []
        for case in cases:
            whole = Stratum(level, stratum_id(level, case.where))
            groups[whole].append(case)
            for tag in case.key_populations if indicator.by_key_population else ():
                groups[Stratum(level, whole.id, tag)].append(case)
    return groups


def _denominator(  # noqa: PLR0913
    indicator: Indicator,
    method: Method,
    stratum: Stratum,
    cases: list[Case],
    subjects: Subjects,
    register: tuple[PopulationFigure, ...],
    year: int,
) -> int | None:
    match method.denominator:
        case "cases":
            return sum(c.denominator for c in cases)
        case "population" | "key_population":
            return registered(register, stratum, year, method.denominator)
        case "capacity":
            default = int(indicator.parameters["default_doctor_cap"])
            return sum(cap or default for t in subjects.teams_in(stratum) for cap in t.doctor_caps)
    return None


def registered(register: tuple[PopulationFigure, ...], stratum: Stratum, year: int, what: str) -> int | None:
    """The register's figure for the area: its own entry, else the sum of the top-most
    entries inside it (the counties of a city, say); None when some part is missing."""
    prefix = area_prefix(stratum.id)
    under = {area_prefix(f.area_code): f for f in register if f.year == year}
    inside = {p: f for p, f in under.items() if p.startswith(prefix)}
    topmost = [f for p, f in inside.items() if not any(p != q and p.startswith(q) for q in inside)]
    if not topmost:
        return None
    if what == "population":
        return sum(f.population for f in topmost)
    if not stratum.key_population:
        return sum(f.key_population for f in topmost)
    counts = [dict(f.by_key_population).get(stratum.key_population) for f in topmost]
    return None if None in counts else sum(c for c in counts if c is not None)


def _value(numerator: int, denominator: int | None, counted: bool) -> Decimal | None:
    if counted:
        return Decimal(numerator)
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(VALUE, ROUND_HALF_UP)
