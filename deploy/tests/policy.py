"""Rules every rendered installation must keep. Each returns its violations, so a test can
prove a rule bites by breaking a copy of the objects (test_policy_bites.py)."""

from __future__ import annotations

from collections.abc import Iterator

from deploy.tests.manifests import Obj, containers, environment, labels, pod_spec, pod_template, workloads
from fdcs.services import SERVICES

LONG_RUNNING = {"Deployment", "StatefulSet", "DaemonSet"}
ROLES = {"serve", "relay", "project", "migrate"}


def platform_processes(objects: list[Obj]) -> Iterator[tuple[Obj, Obj, str, str]]:
    """(workload, container, role, service) for each `python -m fdcs <role> <service>`."""
    for workload in workloads(objects):
        for container in containers(workload):
            args = container.get("args") or []
            if len(args) == 2 and args[0] in ROLES and args[1] in SERVICES:
                yield workload, container, args[0], args[1]


def container_violations(objects: list[Obj]) -> list[str]:
    found = []
    for workload in workloads(objects):
        where = f"{workload['kind']} {workload['metadata']['name']}"
        pod = pod_spec(workload)
        for container in containers(workload):
            found += [f"{where} container {container['name']}: {v}" for v in _container(pod, container)]
        if workload["kind"] in LONG_RUNNING:
            for container in pod["containers"]:
                found += [f"{where} container {container['name']}: {v}" for v in _probes(container)]
    return found


def _container(pod: Obj, container: Obj) -> Iterator[str]:
    image = container.get("image", "")
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    if "@sha256:" not in image and tag in ("", "latest"):
        yield f"image {image!r} needs a pinned tag or digest, not latest"
    resources = container.get("resources") or {}
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in (resources.get(kind) or {}):
                yield f"no {resource} in resources.{kind}"
    yield from _security(pod.get("securityContext") or {}, container.get("securityContext") or {})


def _security(pod: Obj, container: Obj) -> Iterator[str]:
    """The restricted Pod Security Standard, set at the pod's or the container's level."""
    if not (container.get("runAsNonRoot") or pod.get("runAsNonRoot")):
        yield "runAsNonRoot is not set"
    if container.get("readOnlyRootFilesystem") is not True:
        yield "the root filesystem is writable"
    if container.get("allowPrivilegeEscalation") is not False:
        yield "privilege escalation is allowed"
    if "ALL" not in ((container.get("capabilities") or {}).get("drop") or []):
        yield "capabilities are not all dropped"
    if (container.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        yield "no RuntimeDefault seccomp profile"


def _probes(container: Obj) -> Iterator[str]:
    for probe in ("livenessProbe", "readinessProbe"):
        if not container.get(probe):
            yield f"no {probe}"
    if (container.get("args") or [None])[0] == "serve":
        paths = {
            p: ((container.get(p) or {}).get("httpGet") or {}).get("path") for p in ("livenessProbe", "readinessProbe")
        }
        if paths != {"livenessProbe": "/health/live", "readinessProbe": "/health/ready"}:
            yield f"the API's probes must be /health/live and /health/ready, not {paths}"


def settings_violations(objects: list[Obj]) -> list[str]:
    """Every setting a service's settings class reads is set in every process of it."""
    found = []
    for workload, container, role, service in platform_processes(objects):
        fields = SERVICES[service].settings().__class__.model_fields
        env = environment(container, objects)
        missing = sorted(name.upper() for name in fields if name.upper() not in env)
        if missing:
            found.append(f"{workload['metadata']['name']} ({role} {service}) does not set {', '.join(missing)}")
    return found


def process_violations(objects: list[Obj]) -> list[str]:
    """Each service runs its API, its relay if it publishes, its projections if it has any,
    and its migration; the API has its Service, ServiceAccount, PodDisruptionBudget and HPA."""
    found = []
    running = {(role, service): workload for workload, _, role, service in platform_processes(objects)}
    for name, service in SERVICES.items():
        wanted = {"serve": True, "migrate": True, "relay": service.relays, "project": service.projects}
        for role, needed in wanted.items():
            if needed != ((role, name) in running):
                found.append(f"{name}: `python -m fdcs {role} {name}` is {'missing' if needed else 'not wanted'}")
        api = running.get(("serve", name))
        if api is not None:
            found += [f"{name}: {v}" for v in _api_companions(api, objects)]
    return found


def _api_companions(api: Obj, objects: list[Obj]) -> Iterator[str]:
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    account = pod_spec(api).get("serviceAccountName")
    if not any(o["kind"] == "ServiceAccount" and o["metadata"]["name"] == account for o in objects):
        yield f"no ServiceAccount {account}"
    selects = [o for o in objects if o["kind"] in ("Service", "PodDisruptionBudget") and _selects(o, pod_labels)]
    for kind in ("Service", "PodDisruptionBudget"):
        if not any(o["kind"] == kind for o in selects):
            yield f"no {kind} selects the API's pods"
    scaled = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    if not any(o["spec"]["scaleTargetRef"]["name"] == api["metadata"]["name"] for o in scaled):
        yield "no HorizontalPodAutoscaler scales the API"


def _selects(obj: Obj, pod_labels: dict[str, str]) -> bool:
    selector = obj["spec"]["selector"]
    selector = selector.get("matchLabels", selector) if obj["kind"] != "Service" else selector
    return bool(selector) and all(pod_labels.get(k) == v for k, v in selector.items())


def network_violations(objects: list[Obj]) -> list[str]:
    """Ingress is denied by default; every platform pod has its own ingress and egress rules."""
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    found = []
    if not any(p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"] for p in policies):
        found.append("no default-deny ingress NetworkPolicy")
    for workload in workloads(objects):
        if labels(workload).get("app.kubernetes.io/part-of") == "fdcs":
            found += _pod_network(workload, policies)
    return found


def _pod_network(workload: Obj, policies: list[Obj]) -> Iterator[str]:
    pod_labels = pod_template(workload)["metadata"].get("labels") or {}
    mine = [p for p in policies if p["spec"]["podSelector"] and _selects_pod(p, pod_labels)]
    for kind in ("Ingress", "Egress"):
        if not any(kind in p["spec"]["policyTypes"] for p in mine):
            yield f"{workload['metadata']['name']}: no NetworkPolicy restricts its {kind.lower()}"
    for policy in mine:
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            if not rule.get("from", rule.get("to")):
                yield f"NetworkPolicy {policy['metadata']['name']} has a rule open to every peer"


def _selects_pod(policy: Obj, pod_labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    match = selector.get("matchLabels") or {}
    return all(pod_labels.get(k) == v for k, v in match.items()) and all(
        _meets(e, pod_labels) for e in selector.get("matchExpressions") or []
    )


def _meets(expression: Obj, pod_labels: dict[str, str]) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
    if operator in ("Exists", "DoesNotExist"):
        return (key in pod_labels) == (operator == "Exists")
    return (pod_labels.get(key) in values) == (operator == "In")
