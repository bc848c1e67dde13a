"""The Kafka users and ACLs of the deployment manifests, as confluent-kafka `AclBinding`s.

The manifests are the one source of truth: the broker the tests start gets exactly the ACLs
Strimzi gives production (deploy/k8s), so a test cannot pass on a right production lacks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
)

from shared.contracts import topics

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
MANIFESTS = (K8S / "base" / "kafka" / "users.yaml", *sorted((K8S / "components" / "example-partners").glob("*.yaml")))

Partner = Literal["hospital", "bureau", "claims"]
PARTNER_TOPICS = {"hospital": topics.hospital, "bureau": topics.bureau, "claims": topics.claims}

# Strimzi's names for resource types; its cluster resource is Kafka's single "kafka-cluster".
RESOURCE_TYPES = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "cluster": ResourceType.BROKER,
    "transactionalId": ResourceType.TRANSACTIONAL_ID,
}
PATTERN_TYPES = {"literal": ResourcePatternType.LITERAL, "prefix": ResourcePatternType.PREFIXED}
PERMISSIONS = {"allow": AclPermissionType.ALLOW, "deny": AclPermissionType.DENY}


def principals(manifests: tuple[Path, ...] = MANIFESTS) -> dict[str, list[AclBinding]]:
    """Every KafkaUser in the manifests, by name, with the ACL bindings Strimzi makes of it."""
    users: dict[str, list[AclBinding]] = {}
    for path in manifests:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "KafkaUser":
                name = doc["metadata"]["name"]
                users[name] = bindings(name, doc["spec"].get("authorization", {}).get("acls") or [])
    return users


def bindings(user: str, acls: list[dict[str, Any]]) -> list[AclBinding]:
    """One binding per operation of each Strimzi ACL rule (Strimzi's defaults: any host, allow)."""
    return [
        AclBinding(
            RESOURCE_TYPES[rule["resource"]["type"]],
            rule["resource"].get("name", "kafka-cluster"),
            PATTERN_TYPES[rule["resource"].get("patternType", "literal")],
            f"User:{user}",
            rule.get("host", "*"),
            _operation(operation),
            PERMISSIONS[rule.get("type", "allow")],
        )
        for rule in acls
        for operation in rule.get("operations") or [rule["operation"]]
    ]


def partner_user(kind: Partner, partner_id: str) -> str:
    return f"{kind}-{partner_id}"


def partner_acls(kind: Partner, partner_id: str) -> list[AclBinding]:
    """The ACLs of a partner written the way deploy/k8s/components/example-partners writes
    them, for partners the tests invent: its own topic (literal, never a prefix that would
    match longer ids) to read, and consumer groups starting with its user name; a claims
    source only writes its own topic."""
    user = partner_user(kind, partner_id)
    own = {"type": "topic", "name": PARTNER_TOPICS[kind](partner_id).name, "patternType": "literal"}
    if kind == "claims":
        return bindings(user, [{"resource": own, "operations": ["Write", "Describe"]}])
    return bindings(
        user,
        [
            {
                "resource": {"type": "topic", "name": PARTNER_TOPICS[kind](partner_id).name, "patternType": "literal"},
                "operations": ["Read", "Describe"],
            },
            {"resource": {"type": "group", "name": f"{user}.", "patternType": "prefix"}, "operations": ["Read"]},
        ],
    )


def _operation(strimzi: str) -> AclOperation:
    """IdempotentWrite -> IDEMPOTENT_WRITE."""
    return AclOperation[re.sub(r"(?<!^)(?=[A-Z])", "_", strimzi).upper()]
