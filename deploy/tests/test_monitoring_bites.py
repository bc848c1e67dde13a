"""The scrape and alert rules fail when the installation breaks them (a copy of prod each time)."""

from __future__ import annotations

from collections.abc import Callable

from deploy.tests import monitoring
from deploy.tests.manifests import Obj, containers, named
from deploy.tests.schemas import validation_errors

Rendered = Callable[[str], list[Obj]]


def _rules(objects: list[Obj]) -> dict[str, Obj]:
    rule = named(objects, "PrometheusRule", "fdcs")
    assert rule is not None
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def test_a_worker_without_its_metrics_port_is_caught(rendered: Rendered) -> None:
    objects = rendered("overlays/prod")
    relay = named(objects, "Deployment", "signing-relay")
    assert relay is not None
    del next(containers(relay))["ports"]
    assert monitoring.scrape_violations(objects) == [
        "signing-relay: one of the ports ['http', 'metrics'] must be its metrics endpoint, not []"
    ]


def test_a_metrics_port_the_process_does_not_serve_on_is_caught(rendered: Rendered) -> None:
    objects = rendered("overlays/prod")
    projection = named(objects, "Deployment", "billing-projection")
    assert projection is not None
    next(containers(projection))["ports"][0]["containerPort"] = 9999
    assert monitoring.scrape_violations(objects) == [
        "billing-projection: port metrics is 9999 but the process serves metrics on METRICS_PORT=9102"
    ]


def test_an_alert_without_for_severity_or_runbook_is_caught(rendered: Rendered) -> None:
    objects = rendered("overlays/prod")
    lagging = _rules(objects)["FdcsRelayLagging"]
    del lagging["for"], lagging["labels"]["severity"]
    lagging["annotations"]["runbook_url"] = (
        "https://git.example.gov.cn/fdcs/fdcs/-/blob/main/deploy/k8s/README.md#nowhere"
    )
    assert monitoring.alert_violations(objects) == [
        "FdcsRelayLagging: no `for`: one bad scrape would page someone",
        "FdcsRelayLagging: labels.severity must be one of ['critical', 'warning']",
        "FdcsRelayLagging: runbook_url 'https://git.example.gov.cn/fdcs/fdcs/-/blob/main/deploy/k8s/README.md"
        "#nowhere' is not a section of deploy/k8s/README.md",
    ]


def test_an_alert_on_a_metric_no_process_exposes_or_a_missing_alert_is_caught(rendered: Rendered) -> None:
    objects = rendered("overlays/prod")
    rules = _rules(objects)
    rules["FdcsDeadLettersGrowing"]["expr"] = "sum(increase(fdcs_dead_letter_total[15m])) > 0"  # misspelt
    assert monitoring.alert_violations(objects) == [
        "FdcsDeadLettersGrowing: reads fdcs_dead_letter_total, which no process exposes",
        "no alert on dead letters (reads fdcs_dead_letters_total)",
    ]


def test_a_malformed_rule_fails_schema_validation(rendered: Rendered) -> None:
    objects = rendered("overlays/prod")
    rule = named(objects, "PrometheusRule", "fdcs")
    assert rule is not None
    _rules(objects)["FdcsPodRestarting"]["for"] = "five minutes"
    del _rules(objects)["FdcsMetricsMissing"]["expr"]
    errors = validation_errors(rule)
    assert len(errors) == 2 and all(e.startswith("PrometheusRule fdcs: spec.groups.") for e in errors), errors
