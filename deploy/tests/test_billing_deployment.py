"""Billing's deployment: the rebuild of its settlement view runs as the projection that builds it; the
capitation job runs daily, with settings it accepts, and may reach the API."""

from __future__ import annotations

from collections.abc import Callable

from appraisal.settings import GUANGDONG
from deploy.tests.manifests import Obj, SecretRef, containers, environment, named, scheduler_settings

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


def test_the_capitation_schedule_runs_daily_in_billings_time_zone_with_settings_the_job_accepts(
    rendered: Rendered,
) -> None:
    prod = rendered("overlays/prod")
    cron = named(prod, "CronJob", "billing-capitation-schedule")
    assert cron is not None
    [job] = containers(cron)
    api = next(containers(named(prod, "Deployment", "billing-api") or {}))
    env = environment(job, prod)

    settings = scheduler_settings(env)

    assert job["args"] == ["schedule", "capitation"] and job["image"] == api["image"]
    assert cron["spec"]["timeZone"] == str(settings.timezone) == environment(api, prod)["TIMEZONE"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert settings.environment == "production" and settings.scheduler_token_url.startswith("https://")
    assert env["SCHEDULER_CLIENT_SECRET"] == SecretRef("fdcs-scheduler-client", "secret")
    assert settings.billing_url == "http://billing"  # the API's Service, on its port 80


def test_the_capitation_job_goes_through_the_province_a_city_at_a_time_each_call_within_the_job(
    rendered: Rendered,
) -> None:
    prod, dev = rendered("overlays/prod"), rendered("overlays/dev")
    cron, small_cron = (named(objects, "CronJob", "billing-capitation-schedule") or {} for objects in (prod, dev))
    settings = scheduler_settings(environment(next(containers(cron)), prod))
    small = scheduler_settings(environment(next(containers(small_cron)), dev))

    assert settings.capitation_areas == GUANGDONG  # every city, as the appraisal partitions them
    assert cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] > settings.scheduler_http_seconds
    assert small.capitation_areas == ()  # a small installation: one call


def test_the_capitation_job_reaches_billings_api_and_the_api_admits_it(rendered: Rendered) -> None:
    prod = rendered("overlays/prod")
    pod = {"app.kubernetes.io/name": "billing", "app.kubernetes.io/component": "scheduler", **PART_OF}
    api = {"app.kubernetes.io/name": "billing", "app.kubernetes.io/component": "api", **PART_OF}
    policies = [o for o in prod if o["kind"] == "NetworkPolicy"]

    egress = [p for p in policies if _selects(p, pod) and "Egress" in p["spec"]["policyTypes"]]
    ingress = [p for p in policies if _selects(p, api) and "Ingress" in p["spec"]["policyTypes"]]

    assert any(_peer(rule["to"], pod | api) for p in egress for rule in p["spec"].get("egress", []) if "to" in rule)
    assert any(_peer(r["from"], pod) for p in ingress for r in p["spec"].get("ingress", []) if "from" in r)
    assert {p["metadata"]["name"] for p in egress} >= {"fdcs-dns", "fdcs-identity-provider", "billing-scheduler"}


PART_OF = {"app.kubernetes.io/part-of": "fdcs"}


def _selects(policy: Obj, pod: dict[str, str]) -> bool:
    return _matches(policy["spec"]["podSelector"], pod)


def _matches(selector: Obj, pod: dict[str, str]) -> bool:
    if any(pod.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    return all(pod.get(e["key"]) in e["values"] for e in selector.get("matchExpressions") or [])


def _peer(peers: list[Obj], pod: dict[str, str]) -> bool:
    return any("podSelector" in p and "namespaceSelector" not in p and _matches(p["podSelector"], pod) for p in peers)
