"""Figures: an indicator's cases added up per stratum, with the value and QOF points."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from appraisal.domain.cases import Case
from appraisal.domain.catalogue import Indicator
from appraisal.domain.facts import PopulationFigure, Where
from appraisal.domain.indicators import Method
from appraisal.domain.strata import Stratum, Subjects, area_prefix, stratum_id

VALUE = Decimal("0.0001")


class Figure(NamedTuple):
    """A named tuple, as `Stratum` is: a city's appraisal makes tens of thousands."""

    indicator_id: str
    stratum: Stratum
    numerator: int
    denominator: int | None
    """None for a count, or when the register has no figure for the area."""
    value: Decimal | None
    """numerator ÷ denominator to four places (a count: the count); None when the denominator is empty."""
    points: Decimal | None


Group = tuple[Where, tuple[str, ...], int, int]
"""The cases of one team (or, counted where the residents live, one area) with the same key
populations, added up: where, key populations, numerator, denominator."""


def measure(  # noqa: PLR0913
    indicator: Indicator,
    method: Method,
    counted: Mapping[Stratum, tuple[int, int]],
    subjects: Subjects,
    register: tuple[PopulationFigure, ...],
    year: int,
) -> list[Figure]:
    """A figure for every stratum counted, and every known subject at the indicator's levels (0/0 if none)."""
    added = {known: (0, 0) for level in indicator.levels for known in subjects.at(level)} | dict(counted)
    valued: Valued = {}
    return [figure(indicator, method, s, sums, subjects, register, year, valued) for s, sums in sorted(added.items())]


def figure(  # noqa: PLR0913
    indicator: Indicator,
    method: Method,
    stratum: Stratum,
    counted: tuple[int, int],
    subjects: Subjects,
    register: tuple[PopulationFigure, ...],
    year: int,
    valued: Valued | None = None,
) -> Figure:
    """One stratum's figure from its numerator and the denominator of its cases. `valued`: the
    value and points of each numerator and denominator of the indicator's figures so far, each
    worked out once: a city's figures share many (zero counts, small teams' few cases; the
    bench's million residents, 17,328 figures, 263)."""
    numerator, denominator_of_cases = counted
    denominator = _denominator(indicator, method, stratum, denominator_of_cases, subjects, register, year)
    if valued is None or (found := valued.get((numerator, denominator))) is None:
        value = _value(numerator, denominator, counted=method.denominator == "none")
        found = (value, indicator.points(value))
        if valued is not None:
            valued[(numerator, denominator)] = found
    # Not `Figure(...)`: a named tuple's `__new__` is Python, a frame per figure (a city's 20,000).
    return tuple.__new__(Figure, (indicator.id, stratum, numerator, denominator, *found))


Valued = dict[tuple[int, int | None], tuple[Decimal | None, Decimal | None]]
"""Of one indicator: the value and points of a numerator and denominator."""


def grouped(cases: Iterable[Case]) -> list[Group]:
    """Cases of one team and the same key populations fall in the same strata: added up once
    per such group. A group that counts nothing is left out, as the projection leaves it."""
    groups: dict[tuple[Where, tuple[str, ...]], tuple[int, int]] = {}
    for c in cases:
        n, d = groups.get((c.where, c.key_populations), (0, 0))
        groups[(c.where, c.key_populations)] = (n + c.numerator, d + c.denominator)
    return [(*group, *sums) for group, sums in groups.items() if sums != (0, 0)]


def added_up(
    indicator: Indicator,
    groups: Iterable[Group],
    into: dict[Stratum, tuple[int, int]] | None = None,
) -> dict[Stratum, tuple[int, int]]:
    """Counts of cases of a team (or area) and key populations added up under every stratum they fall in."""
    added = {} if into is None else into
    for where, tags, numerator, denominator in groups:
        for stratum in case_strata(indicator, where, tags):
            n, d = added.get(stratum, (0, 0))
            added[stratum] = (n + numerator, d + denominator)
    return added


def case_strata(indicator: Indicator, where: Where, key_populations: tuple[str, ...]) -> tuple[Stratum, ...]:
    """Every stratum a case of the indicator is added up under: its team's (or, for a case
    counted where the resident lives, its area's) at each level the indicator is reported
    by, and narrowed to each of its key populations when the indicator is reported by them."""
    return _strata(indicator.levels, indicator.by_key_population, where, key_populations)


@lru_cache(maxsize=65_536)
def _strata(levels: tuple[str, ...], by_tag: bool, where: Where, tags: tuple[str, ...]) -> tuple[Stratum, ...]:
    strata: list[Stratum] = []
    for level in levels:
        whole = Stratum(level, stratum_id(level, where))
        strata += (whole, *(Stratum(level, whole.id, t) for t in tags if by_tag))
    return tuple(strata)


def _denominator(  # noqa: PLR0913
    indicator: Indicator,
    method: Method,
    stratum: Stratum,
    denominator_of_cases: int,
    subjects: Subjects,
    register: tuple[PopulationFigure, ...],
    year: int,
) -> int | None:
    match method.denominator:
        case "cases":
            return denominator_of_cases
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
