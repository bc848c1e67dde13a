"""Billing's deployment: the rebuild of its settlement view runs as the projection that builds it; the
capitation job runs daily, with settings it accepts, and may reach the API."""

from __future__ import annotations

from collections.abc import Callable

from deploy.tests.manifests import Obj, SecretRef, containers, environment, named
from fdcs.scheduler import SchedulerSettings

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
    given = {k.lower(): v if isinstance(v, str) else "a-client-secret" for k, v in env.items()}

    settings = SchedulerSettings(**given)  # type: ignore[arg-type]  # from the environment, as the process reads it

    assert job["args"] == ["schedule", "capitation"] and job["image"] == api["image"]
    assert cron["spec"]["timeZone"] == str(settings.timezone) == environment(api, prod)["TIMEZONE"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert settings.environment == "production" and settings.scheduler_token_url.startswith("https://")
    assert env["SCHEDULER_CLIENT_SECRET"] == SecretRef("fdcs-scheduler-client", "secret")
    assert settings.billing_url == "http://billing"  # the API's Service, on its port 80


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
