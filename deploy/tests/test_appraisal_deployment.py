"""Appraisal's deployment: the catalogue it appraises under, and a rebuild that spares its events."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from appraisal.adapters.files.catalogue import DEFAULT, load_catalogue
from appraisal.settings import AppraisalSettings
from deploy.tests.manifests import Obj, containers, environment, named

Rendered = Callable[[str], list[Obj]]


def test_the_deployed_indicator_catalogue_loads_and_is_the_services_own(rendered: Rendered, tmp_path: Path) -> None:
    catalogue = next(o for o in rendered("overlays/prod") if o["metadata"]["name"].startswith("appraisal-catalogue"))
    path = tmp_path / "indicators.json"
    path.write_text(catalogue["data"]["indicators.json"])

    assert load_catalogue(path) == load_catalogue(DEFAULT)


def test_the_rebuild_drops_the_views_and_never_the_event_store(rendered: Rendered) -> None:
    prod = rendered("overlays/prod")
    projection = environment(next(containers(named(prod, "Deployment", "appraisal-projection") or {})), prod)
    settings = AppraisalSettings(
        database_schema=str(projection["DATABASE_SCHEMA"]), event_store_schema=str(projection["EVENT_STORE_SCHEMA"])
    )
    job_env: dict[str, object] = {}
    for container in containers(rendered("jobs/rebuild-appraisal")[0]):
        job_env |= environment(container, [])

    assert job_env["DATABASE_SCHEMA"] == settings.database_schema != settings.events_schema
