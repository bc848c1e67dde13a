"""Rules of what Prometheus scrapes and alerts on: every long-running process is scraped on
the port its settings serve metrics on, and every alert can fire (its metrics exist), waits
before it does (`for`), says how bad it is, and links to a runbook section that exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from prometheus_client.metrics import MetricWrapperBase

import shared.metrics
from deploy.tests.manifests import K8S, Obj, containers, environment, labels, pod_spec
from deploy.tests.policy import LONG_RUNNING, _selects_pod

README = K8S / "README.md"
SEVERITIES = {"warning", "critical"}
RUNBOOK_PARTS = ("What it means", "What to check", "What to do")
PORT_SETTINGS = {"http": "HTTP_PORT", "metrics": "METRICS_PORT"}  # the port's name: where the process serves
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
# What each alert the platform must have is about: a metric its expression reads.
REQUIRED = {
    "relay lag": "fdcs_relay_lag_positions",
    "consumer lag": "fdcs_consumer_lag_messages",
    "events applied late": "fdcs_consumer_delay_seconds_bucket",
    "dead letters": "fdcs_dead_letters_total",
    "5xx rate": "fdcs_http_request_duration_seconds_count",
    "pods restarting": "kube_pod_container_status_restarts_total",
    "scheduled jobs not succeeding": "kube_cronjob_status_last_successful_time",
}


def scrape_violations(objects: list[Obj]) -> list[str]:
    monitors = [o for o in objects if o["kind"] == "PodMonitor"]
    found = []
    for workload in objects:
        if workload["kind"] in LONG_RUNNING and labels(workload).get("app.kubernetes.io/part-of") == "fdcs":
            found += [f"{workload['metadata']['name']}: {v}" for v in _scraped(workload, monitors, objects)]
    return found


def _scraped(workload: Obj, monitors: list[Obj], objects: list[Obj]) -> Iterator[str]:
    pod_labels = workload["spec"]["template"]["metadata"].get("labels") or {}
    selecting = [m for m in monitors if _selects_pod({"spec": {"podSelector": m["spec"]["selector"]}}, pod_labels)]
    if not selecting:
        yield "no PodMonitor selects its pods"
        return
    scraped = {e["port"] for m in selecting for e in m["spec"]["podMetricsEndpoints"]}
    container = pod_spec(workload)["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports") or [] if p.get("name") in scraped}
    if len(ports) != 1:
        yield f"one of the ports {sorted(scraped)} must be its metrics endpoint, not {sorted(ports)}"
        return
    ((name, number),) = ports.items()
    served = environment(next(containers(workload)), objects).get(PORT_SETTINGS[name])
    if str(served) != str(number):
        yield f"port {name} is {number} but the process serves metrics on {PORT_SETTINGS[name]}={served}"


def alert_violations(objects: list[Obj]) -> list[str]:
    anchors, exposed = runbook_anchors(README.read_text()), exposed_metrics()
    rules = [r for o in objects if o["kind"] == "PrometheusRule" for g in o["spec"]["groups"] for r in g["rules"]]
    found = [f"{r.get('alert', r.get('record'))}: {v}" for r in rules for v in _alert(r, anchors, exposed)]
    read = {name for r in rules for name in re.findall(r"[a-z_:][a-z0-9_:]*", str(r["expr"]))}
    found += [f"no alert on {about} (reads {metric})" for about, metric in REQUIRED.items() if metric not in read]
    return found


def _alert(rule: Obj, anchors: dict[str, str], exposed: set[str]) -> Iterator[str]:
    if "alert" not in rule:
        return
    if not rule.get("for"):
        yield "no `for`: one bad scrape would page someone"
    if (rule.get("labels") or {}).get("severity") not in SEVERITIES:
        yield f"labels.severity must be one of {sorted(SEVERITIES)}"
    notes = rule.get("annotations") or {}
    if not notes.get("summary"):
        yield "no summary"
    url = urlsplit(notes.get("runbook_url", ""))
    if not url.path.endswith("deploy/k8s/README.md") or url.fragment not in anchors:
        yield f"runbook_url {notes.get('runbook_url')!r} is not a section of deploy/k8s/README.md"
    elif missing := [part for part in RUNBOOK_PARTS if part not in anchors[url.fragment]]:
        yield f"its runbook lacks {missing}"
    for metric in set(re.findall(r"\bfdcs_[a-z0-9_]+", str(rule["expr"]))) - exposed:
        yield f"reads {metric}, which no process exposes"


def runbook_anchors(markdown: str) -> dict[str, str]:
    """{anchor: text of the section} for each heading, anchors spelt as GitHub spells them."""
    sections: dict[str, str] = {}
    anchor = ""
    for line in markdown.splitlines():
        heading = re.match(r"#+\s+(.*)", line)
        if heading:
            anchor = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
            sections[anchor] = ""
        elif anchor:
            sections[anchor] += line + "\n"
    return sections


def exposed_metrics() -> set[str]:
    """The names of the samples the platform's metrics expose (a counter's `_total`, say)."""
    names = set()
    for metric in vars(shared.metrics).values():
        if isinstance(metric, MetricWrapperBase):
            for family in metric.describe():
                names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names
