"""Every scheduled job (`python -m fdcs schedule <job>`) runs as a CronJob of its service: once at
a time, in the platform's time zone, with settings it accepts, calling its own service's API,
which admits it; a slot job's schedule is its slot, the close job's periods are billing's."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deploy.tests.manifests import Obj, SecretRef, containers, environment, named, scheduler_settings
from deploy.tests.test_billing_deployment import PART_OF, _peer, _selects
from fdcs.scheduler import JOBS, url_of

Rendered = Callable[[str], list[Obj]]
CRONJOBS = {  # job: (service, CronJob)
    "capitation": ("billing", "billing-capitation-schedule"),
    "settlement-close": ("billing", "billing-settlement-close-schedule"),
    "contract-expiry": ("signing", "signing-contract-expiry-schedule"),
    "referral-expiry": ("referral", "referral-referral-expiry-schedule"),
    "appointment-reminders": ("health-records", "health-records-appointment-reminders-schedule"),
}
SLOTS = {  # a slot job's setting of its slot's length
    "referral-expiry": "referral_expiry_every_minutes",
    "appointment-reminders": "appointment_reminders_every_minutes",
}


def test_every_job_has_its_cronjob() -> None:
    assert CRONJOBS.keys() == JOBS.keys()


@pytest.mark.parametrize("job", sorted(CRONJOBS))
def test_the_cronjob_runs_the_job_once_at_a_time_with_settings_it_accepts(rendered: Rendered, job: str) -> None:
    prod = rendered("overlays/prod")
    service, name = CRONJOBS[job]
    cron = named(prod, "CronJob", name)
    assert cron is not None
    [container] = containers(cron)
    api = next(containers(named(prod, "Deployment", f"{service}-api") or {}))
    env = environment(container, prod)

    settings = scheduler_settings(env)

    assert container["args"] == ["schedule", job] and container["image"] == api["image"]
    assert cron["spec"]["timeZone"] == str(settings.timezone) == environment(api, prod)["TIMEZONE"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert settings.environment == "production" and settings.scheduler_token_url.startswith("https://")
    assert env["SCHEDULER_CLIENT_SECRET"] == SecretRef("fdcs-scheduler-client", "secret")
    assert url_of(job, settings) == f"http://{service}"  # the API's Service, on its port 80
    if job in SLOTS:
        assert _every_minutes(cron["spec"]["schedule"]) == getattr(settings, SLOTS[job])


def test_the_close_job_reckons_billings_settlement_periods(rendered: Rendered) -> None:
    prod = rendered("overlays/prod")
    job = next(containers(named(prod, "CronJob", "billing-settlement-close-schedule") or {}))
    api = next(containers(named(prod, "Deployment", "billing-api") or {}))

    assert environment(job, prod)["SETTLEMENT_PERIOD_MONTHS"] == environment(api, prod)["SETTLEMENT_PERIOD_MONTHS"]


@pytest.mark.parametrize("service", sorted({s for s, _ in CRONJOBS.values()}))
def test_a_services_jobs_reach_its_api_and_the_api_admits_them(rendered: Rendered, service: str) -> None:
    prod = rendered("overlays/prod")
    pod = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "scheduler", **PART_OF}
    api = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "api", **PART_OF}
    policies = [o for o in prod if o["kind"] == "NetworkPolicy"]

    egress = [p for p in policies if _selects(p, pod) and "Egress" in p["spec"]["policyTypes"]]
    ingress = [p for p in policies if _selects(p, api) and "Ingress" in p["spec"]["policyTypes"]]

    assert any(_peer(rule["to"], pod | api) for p in egress for rule in p["spec"].get("egress", []) if "to" in rule)
    assert any(_peer(r["from"], pod) for p in ingress for r in p["spec"].get("ingress", []) if "from" in r)
    assert {p["metadata"]["name"] for p in egress} >= {"fdcs-dns", "fdcs-identity-provider", f"{service}-scheduler"}


def _every_minutes(schedule: str) -> int:
    """A cron schedule's period in minutes: "*/15 * * * *" 15, "5 * * * *" 60."""
    minute, hour, *rest = schedule.split()
    assert rest == ["*", "*", "*"]
    if minute.startswith("*/"):
        assert hour == "*"
        return int(minute[2:])
    assert minute.isdigit() and hour == "*"
    return 60
