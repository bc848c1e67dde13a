"""Offline validation: Kubernetes' own OpenAPI schemas (kubernetes-validate bundles them)
and the operators' CRD schemas vendored in crd-schemas/ (see its README)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from deploy.tests.manifests import Obj

KUBERNETES_VERSION = "1.30"  # the oldest release the manifests are written for
CRD_SCHEMAS = Path(__file__).parent / "crd-schemas"
OPERATOR_GROUPS = ("kafka.strimzi.io", "postgresql.cnpg.io", "monitoring.coreos.com")


def validation_errors(obj: Obj) -> list[str]:
    where = f"{obj['kind']} {obj['metadata'].get('name')}"
    if obj["apiVersion"].split("/")[0] in OPERATOR_GROUPS:
        validator = crd_validator(obj["apiVersion"], obj["kind"])
        return [f"{where}: {'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as invalid:
        return [f"{where}: {'.'.join(map(str, invalid.absolute_path))}: {invalid.message}"]
    return []


@cache
def crd_validator(api_version: str, kind: str) -> jsonschema.Draft202012Validator:
    path = CRD_SCHEMAS / f"{api_version.replace('/', '_')}_{kind}.yaml"
    assert path.is_file(), f"no vendored schema for {api_version} {kind}: add {path.name} (crd-schemas/README.md)"
    return jsonschema.Draft202012Validator(structural(yaml.safe_load(path.read_text())))


def structural(schema: Any) -> Any:
    """A CRD's structural schema as JSON Schema, read as strict field validation reads it:
    unknown fields are errors unless the schema preserves them."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("x-kubernetes-int-or-string"):
        return {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    converted = {k: v for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if "properties" in schema:
        converted["properties"] = {name: structural(s) for name, s in schema["properties"].items()}
        if not schema.get("x-kubernetes-preserve-unknown-fields"):
            converted.setdefault("additionalProperties", False)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            converted[key] = structural(schema[key])
    return converted
