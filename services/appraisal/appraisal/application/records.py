"""What the API shows of the catalogue, of publications and of population figures (JSON-able)."""

from __future__ import annotations

from typing import Any

from appraisal.application.views import as_text
from appraisal.domain.catalogue import Catalogue, Indicator
from appraisal.domain.population import PopulationRecorded
from appraisal.domain.results import Basis, PeriodPublished, PeriodRestated, ResultPublished, ResultRestated


def publication_view(
    event: PeriodPublished | PeriodRestated, published: list[ResultPublished], version: int
) -> dict[str, Any]:
    restated = sum(isinstance(r, ResultRestated) for r in published)
    return {
        "period": event.period,
        "version": version,
        "published_at": (event.published_at if isinstance(event, PeriodPublished) else event.restated_at).isoformat(),
        "reason": event.reason if isinstance(event, PeriodRestated) else None,
        "results_published": len(published) - restated,
        "results_restated": restated,
    } | basis_view(event.basis)


def basis_view(basis: Basis) -> dict[str, Any]:
    return {
        "revision": basis.revision,
        "catalogue_version": basis.catalogue_version,
        "computed_as_of": basis.computed_as_of.isoformat(),
        "positions": [{"topic": p.topic, "partition": p.partition, "offset": p.offset} for p in basis.positions],
    }


def population_view(figure: PopulationRecorded, version: int) -> dict[str, Any]:
    return {
        "year": figure.year,
        "area_code": figure.area_code,
        "population": figure.population,
        "key_population": figure.key_population,
        "by_key_population": dict(figure.by_key_population),
        "recorded_at": figure.recorded_at.isoformat(),
        "version": version,
    }


def catalogue_view(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every version with its period in force, grades and indicators, formulas in words."""
    return [
        {
            "version": v.version,
            "valid_from": v.valid_from.isoformat(),
            "valid_to": v.valid_to.isoformat() if v.valid_to else None,
            "source": v.source,
            "grades": {"excellent": as_text(v.grades.excellent), "qualified": as_text(v.grades.qualified)},
            "indicators": [indicator_view(i) for i in v.indicators],
        }
        for v in catalogue.versions
    ]


def indicator_view(i: Indicator) -> dict[str, Any]:
    numbers = {"weight": i.weight, "target": i.target, "lower": i.lower, "upper": i.upper, "ceiling": i.ceiling}
    return {
        "id": i.id,
        "title": i.title,
        "dimension": i.dimension,
        "numerator": i.numerator,
        "denominator": i.denominator,
        "exclusions": list(i.exclusions),
        "formula": i.formula,
        "strata": list(i.strata),
        "parameters": dict(i.parameters),
    } | {name: as_text(value) for name, value in numbers.items()}
