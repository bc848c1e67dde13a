"""What `kubectl apply -k` would get: it renders, validates offline and keeps the rules."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy.tests import kafka_policy, monitoring, policy
from deploy.tests.manifests import APPLIED_ON_PURPOSE, OVERLAYS, Obj, containers, environment, named
from deploy.tests.schemas import validation_errors
from signing.adapters.files.catalogue import load_catalogue

Rendered = Callable[[str], list[Obj]]
INSTALLATIONS = [f"overlays/{o}" for o in OVERLAYS]
RULES = [
    policy.container_violations,
    policy.settings_violations,
    policy.process_violations,
    policy.network_violations,
    kafka_policy.topic_violations,
    kafka_policy.acl_violations,
    monitoring.scrape_violations,
    monitoring.alert_violations,
]


@pytest.mark.parametrize("kustomization", INSTALLATIONS + list(APPLIED_ON_PURPOSE))
def test_it_renders_objects_with_unique_names(rendered: Rendered, kustomization: str) -> None:
    objects = rendered(kustomization)
    keys = Counter((o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects)
    assert objects
    assert [key for key, n in keys.items() if n > 1] == []
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {"fdcs"}


@pytest.mark.parametrize("kustomization", INSTALLATIONS + list(APPLIED_ON_PURPOSE))
def test_every_object_validates_against_its_schema(rendered: Rendered, kustomization: str) -> None:
    assert [error for obj in rendered(kustomization) for error in validation_errors(obj)] == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
@pytest.mark.parametrize("overlay", INSTALLATIONS)
def test_the_installation_keeps_the_rule(
    rendered: Rendered, overlay: str, rule: Callable[[list[Obj]], list[str]]
) -> None:
    assert rule(rendered(overlay)) == []


@pytest.mark.parametrize("job", APPLIED_ON_PURPOSE)
def test_the_rebuild_job_keeps_the_container_and_network_rules(rendered: Rendered, job: str) -> None:
    rebuild = rendered(job)
    assert policy.container_violations(rebuild) == []
    assert policy.network_violations(rendered("overlays/prod") + rebuild) == []


def test_the_rebuild_job_empties_the_view_appraisal_reads_and_resets_its_group(rendered: Rendered) -> None:
    prod = rendered("overlays/prod")
    settings = environment(next(containers(named(prod, "Deployment", "appraisal-projection") or {})), prod)
    job_env: dict[str, object] = {}
    for container in containers(rendered("jobs/rebuild-appraisal")[0]):
        job_env |= environment(container, [])
    assert job_env["DATABASE_SCHEMA"] == settings["DATABASE_SCHEMA"]
    assert job_env["CONSUMER_GROUP"] == settings["CONSUMER_GROUP"]


def test_the_deployed_catalogue_is_one_signing_can_load(rendered: Rendered, tmp_path: Path) -> None:
    catalogue = next(o for o in rendered("overlays/prod") if o["metadata"]["name"].startswith("signing-catalogue"))
    path = tmp_path / "packages.json"
    path.write_text(catalogue["data"]["packages.json"])
    assert load_catalogue(path).packages
    assert json.loads(path.read_text())["packages"]
