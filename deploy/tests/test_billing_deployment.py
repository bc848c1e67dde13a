"""Billing's deployment: the rebuild of its settlement view runs as the projection that builds it."""

from __future__ import annotations

from collections.abc import Callable

from deploy.tests.manifests import Obj, containers, environment, named

Rendered = Callable[[str], list[Obj]]
# What `python -m fdcs rebuild billing` reads: where the view is, and how it dates a release.
READS = {"ENVIRONMENT", "DATABASE_URL", "DATABASE_SCHEMA", "TIMEZONE", "SETTLEMENT_PERIOD_MONTHS"}


def test_the_rebuild_runs_the_projections_image_and_settings(rendered: Rendered) -> None:
    prod = rendered("overlays/prod")
    projection = next(containers(named(prod, "Deployment", "billing-projection") or {}))
    live = environment(projection, prod)
    [job] = rendered("jobs/rebuild-billing")
    [rebuild] = containers(job)
    settings = environment(rebuild, [])

    assert rebuild["args"] == ["rebuild", "billing"]
    assert rebuild["image"] == projection["image"]
    assert settings.keys() >= READS
    assert settings == {name: live.get(name) for name in settings}
