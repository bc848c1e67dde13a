"""Rendering the kustomizations once and reading what they say (env, topics, ACLs)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from fdcs.scheduler import SchedulerSettings

K8S = Path(__file__).resolve().parents[1] / "k8s"
OVERLAYS = ("dev", "prod")
APPLIED_ON_PURPOSE = ("jobs/rebuild-appraisal", "jobs/rebuild-billing")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}

Obj = dict[str, Any]


def render(kustomization: str) -> list[Obj]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is needed to render deploy/k8s: install kubectl"
    done = subprocess.run([kubectl, "kustomize", str(K8S / kustomization)], capture_output=True, text=True)
    assert done.returncode == 0, f"kubectl kustomize {kustomization} failed:\n{done.stderr}"
    return [o for o in yaml.safe_load_all(done.stdout) if o]


def named(objects: list[Obj], kind: str, name: str) -> Obj | None:
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def labels(obj: Obj) -> dict[str, str]:
    return dict(obj["metadata"].get("labels") or {})


def pod_template(obj: Obj) -> Obj:
    spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
    template: Obj = spec["template"]
    return template


def pod_spec(obj: Obj) -> Obj:
    pod: Obj = pod_template(obj)["spec"]
    return pod


def containers(obj: Obj) -> Iterator[Obj]:
    spec = pod_spec(obj)
    yield from spec.get("initContainers") or []
    yield from spec["containers"]


def workloads(objects: list[Obj]) -> Iterator[Obj]:
    return (o for o in objects if o["kind"] in WORKLOADS)


@dataclass(frozen=True)
class SecretRef:
    name: str
    key: str


def environment(container: Obj, objects: list[Obj]) -> dict[str, str | SecretRef]:
    """What the container's process sees: ConfigMaps in order, then `env` (which wins)."""
    env: dict[str, str | SecretRef] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        assert ref, f"{container['name']}: envFrom other than a ConfigMap hides which settings are set"
        config_map = named(objects, "ConfigMap", ref["name"])
        assert config_map, f"{container['name']}: ConfigMap {ref['name']} is not in the manifests"
        env |= config_map.get("data") or {}
    for variable in container.get("env") or []:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif "secretKeyRef" in variable.get("valueFrom", {}):
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = SecretRef(ref["name"], ref["key"])
        else:
            config_ref = variable["valueFrom"]["configMapKeyRef"]
            config_map = named(objects, "ConfigMap", config_ref["name"]) or {"data": {}}
            env[variable["name"]] = config_map["data"][config_ref["key"]]
    return env


def scheduler_settings(env: dict[str, str | SecretRef]) -> SchedulerSettings:
    """A scheduled job's settings read from its environment, as its process reads them (a list
    as JSON); a Secret's value made up."""
    with pytest.MonkeyPatch.context() as process:
        for name, value in env.items():
            process.setenv(name, value if isinstance(value, str) else "a-secret")
        return SchedulerSettings()


def topic_name(topic: Obj) -> str:
    return str(topic["spec"].get("topicName") or topic["metadata"]["name"])


def kafka_topics(objects: list[Obj]) -> dict[str, Obj]:
    return {topic_name(o): o for o in objects if o["kind"] == "KafkaTopic"}


def acls(user: Obj) -> list[Obj]:
    return list(user["spec"].get("authorization", {}).get("acls") or [])


def allows(user: Obj, resource_type: str, name: str, operation: str) -> bool:
    """Whether one of the user's allow rules grants `operation` on the named resource."""
    for rule in acls(user):
        resource = rule["resource"]
        pattern = resource.get("patternType", "literal")
        matches = name == resource.get("name") if pattern == "literal" else name.startswith(resource["name"])
        granted = operation in rule["operations"] or "All" in rule["operations"]
        if rule.get("type", "allow") == "allow" and resource["type"] == resource_type and matches and granted:
            return True
    return False


def mounted_files(workload: Obj, container: Obj, objects: list[Obj], into: Path) -> dict[str, str]:
    """The container's ConfigMap volumes written under `into`, as {mount path: local folder}, so
    a process started outside the pod (a test) reads the files the pod would."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes") or []}
    local: dict[str, str] = {}
    for mount in container.get("volumeMounts") or []:
        ref = volumes.get(mount["name"], {}).get("configMap")
        config_map = named(objects, "ConfigMap", ref["name"]) if ref else None
        if config_map is None:
            continue
        folder = into / mount["name"]
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, content in (config_map.get("data") or {}).items():
            (folder / file_name).write_text(content)
        local[mount["mountPath"]] = str(folder)
    return local
