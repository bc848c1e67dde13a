"""What the API shows of an appraisal: figures (filtered), scores, and the cases behind a figure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from appraisal.domain.appraisal import Appraisal
from appraisal.domain.cases import Case
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.figures import Figure
from appraisal.domain.scoring import Score
from appraisal.domain.strata import Stratum, Subjects


@dataclass(frozen=True)
class Filters:
    """Which figures to show: inside an area, of a team or institution, at a level, of a dimension."""

    area: str = ""
    team: str | None = None
    institution: str | None = None
    level: str | None = None
    dimension: str | None = None
    indicator: str | None = None
    key_population: str | None = None
    """None: whole strata only; "*": every key population too; else that one."""


def figures_view(appraisal: Appraisal, only: Filters) -> list[dict[str, Any]]:
    return shown_figures(appraisal.catalogue, appraisal.subjects, appraisal.figures, only)


def shown_figures(
    catalogue: CatalogueVersion, subjects: Subjects, figures: Iterable[Figure], only: Filters
) -> list[dict[str, Any]]:
    """The figures wanted, each with what the catalogue says of its indicator."""
    shown = []
    for f, area, (title, dimension, weight, target) in wanted_figures(catalogue, subjects, only, figures):
        s = f.stratum
        shown.append({  # one dict a figure, not two merged: a city's are tens of thousands
            "indicator_id": f.indicator_id, "title": title, "dimension": dimension, "weight": weight,
            "target": target, "level": s.level, "stratum_id": s.id, "area_code": area,
            "key_population": s.key_population or None, "numerator": f.numerator,
            "denominator": f.denominator, "value": as_text(f.value), "points": as_text(f.points),
        })  # fmt: skip
    return shown


Said = tuple[str, str, str | None, str | None]
"""What the catalogue says of a figure's indicator: title, dimension, weight and target."""


def wanted_figures(
    catalogue: CatalogueVersion,
    subjects: Subjects,
    only: Filters,
    figures: Iterable[Figure],
    areas: dict[Stratum, str] | None = None,
) -> Iterator[tuple[Figure, str, Said]]:
    """The figures wanted, in order, each with its area and what the catalogue says of its
    indicator (`shown_figures`' fields, which the API may also write straight to JSON).
    `areas`: each stratum's area as found so far, for all its indicators' figures."""
    said = {
        i.id: (i.title, i.dimension, as_text(i.weight), as_text(i.target))
        for i in catalogue.indicators
        if only.dimension in (None, i.dimension) and only.indicator in (None, i.id)
    }
    areas = {} if areas is None else areas
    for f in figures:
        if f.indicator_id in said and _wanted(subjects, f, only):
            if (area := areas.get(f.stratum)) is None:
                area = areas[f.stratum] = subjects.area_of(f.stratum)
            if area.startswith(only.area):
                yield f, area, said[f.indicator_id]


def figure_view(appraisal: Appraisal, f: Figure) -> dict[str, Any]:
    return _figure(f, appraisal.subjects.area_of(f.stratum))


def _figure(f: Figure, area_code: str) -> dict[str, Any]:
    return {
        "level": f.stratum.level,
        "stratum_id": f.stratum.id,
        "area_code": area_code,
        "key_population": f.stratum.key_population or None,
        "numerator": f.numerator,
        "denominator": f.denominator,
        "value": as_text(f.value),
        "points": as_text(f.points),
    }


def _wanted(subjects: Subjects, f: Figure, only: Filters) -> bool:
    """Of the filters, all but the area's: the figure's area is looked up last (a team's poll
    of its figure looks at every figure of the city)."""
    s = f.stratum
    return (
        (only.team is None or (s.level, s.id) == ("team", only.team))
        and (only.institution is None or subjects.where(s).institution_id == only.institution)
        and only.level in (None, s.level)
        and only.indicator in (None, f.indicator_id)
        and (only.key_population == "*" or (only.key_population or "") == s.key_population)
    )


def scores_view(appraisal: Appraisal, only: Filters) -> list[dict[str, Any]]:
    return [
        score_view(s)
        for s in appraisal.scores
        if s.area_code.startswith(only.area)
        and only.level in (None, s.subject.level)
        and (only.team is None or (s.subject.level, s.subject.id) == ("team", only.team))
        and only.institution in (None, s.institution_id)
    ]


def score_view(s: Score) -> dict[str, Any]:
    return {
        "subject_kind": s.subject.level,
        "subject_id": s.subject.id,
        "institution_id": s.institution_id,
        "area_code": s.area_code,
        "score": as_text(s.score),
        "grade": s.grade,
        "rank_in_county": s.rank_in_county,
        "rank_in_city": s.rank_in_city,
        "dimensions": {d: as_text(v) for d, v in s.dimensions},
    }


def case_view(c: Case) -> dict[str, Any]:
    """A pseudonymous resident ref and why they count: the drill-down of a figure."""
    return {
        "resident_ref": c.resident_ref,
        "about": c.about,
        "team_id": c.where.team_id,
        "in_numerator": c.numerator,
        "in_denominator": c.denominator,
        "excluded": c.excluded,
        "why": c.why,
    }


def as_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
