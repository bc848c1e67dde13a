"""Kafka rules: every topic the code uses is declared, and every user may do only its part."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from deploy.tests.manifests import Obj, acls, allows, environment, kafka_topics
from deploy.tests.policy import platform_processes
from fdcs.services import SERVICES
from shared.contracts import topics

PARTNER_TOPICS = {"hospital": topics.hospital, "bureau": topics.bureau, "claims": topics.claims}
PARTNER_PREFIXES = {
    topics.HOSPITAL_PREFIX: topics.hospital,
    topics.BUREAU_PREFIX: topics.bureau,
    topics.CLAIMS_PREFIX: topics.claims,
}
# A hospital or bureau reads its own topic; a claims source writes its own (and reads nothing).
PARTNER_OPERATIONS = {"hospital": {"Read", "Describe"}, "bureau": {"Read", "Describe"}, "claims": {"Write", "Describe"}}
CHANGES = {"Write", "Create", "Delete", "Alter", "AlterConfigs", "All"}


def consumer_groups(objects: list[Obj]) -> set[str]:
    """The groups the projections are configured with (CONSUMER_GROUP)."""
    groups = set()
    for _, container, role, _ in platform_processes(objects):
        group = environment(container, objects).get("CONSUMER_GROUP")
        if role == "project" and isinstance(group, str):
            groups.add(group)
    return groups


def topic_violations(objects: list[Obj], groups: Iterable[str] | None = None) -> list[str]:
    declared = kafka_topics(objects)
    wanted = list(topics.ALL) + [topics.dead_letters(g) for g in sorted(groups or consumer_groups(objects))]
    for name in declared:
        wanted += [make(name[len(prefix) :]) for prefix, make in PARTNER_PREFIXES.items() if name.startswith(prefix)]
    return [problem for topic in wanted for problem in _topic(declared.get(topic.name), topic)]


def _topic(declared: Obj | None, topic: topics.Topic) -> Iterator[str]:
    if declared is None:
        yield f"no KafkaTopic for {topic.name}"
        return
    spec, config = declared["spec"], declared["spec"].get("config") or {}
    if not isinstance(spec.get("partitions"), int) or spec["partitions"] < topic.partitions:
        # the code's count is the least (what development runs); a province raises it (overlays/prod)
        yield f"{topic.name}: {spec.get('partitions')} partitions, fewer than the code's {topic.partitions}"
    if ("compact" in str(config.get("cleanup.policy", "delete"))) != topic.compacted:
        yield f"{topic.name}: cleanup.policy must be {'compact' if topic.compacted else 'delete'}"
    if not spec.get("replicas") or "min.insync.replicas" not in config:
        yield f"{topic.name}: replicas and min.insync.replicas must be set"
    if not topic.compacted and "retention.ms" not in config:
        yield f"{topic.name}: retention.ms must be set"


def owner_of(topic_name: str) -> str | None:
    """fdcs.<package>.… belongs to the service of that package."""
    package = topic_name.split(".")[1]
    return next((name for name, s in SERVICES.items() if s.package == package), None)


def acl_violations(objects: list[Obj]) -> list[str]:
    users = {o["metadata"]["name"]: o for o in objects if o["kind"] == "KafkaUser"}
    found = [f"no KafkaUser for {name}" for name in SERVICES if name not in users]
    for name, service in SERVICES.items():
        own = (f"fdcs.{service.package}.", f"fdcs.deadletter.{service.package}.")
        for rule in acls(users.get(name) or {"spec": {}}):
            resource = rule["resource"]
            changes = resource["type"] == "topic" and CHANGES & set(rule["operations"])
            if changes and not str(resource.get("name", "")).startswith(own):
                found.append(f"{name} may write {resource.get('name')}, outside its own {own[0]}")
    for topic in topics.ALL:
        writers = sorted(u for u, user in users.items() if allows(user, "topic", topic.name, "Write"))
        if writers != [owner_of(topic.name)]:
            found.append(f"{topic.name} is written by {writers}, it should be by {owner_of(topic.name)} only")
    for user in users.values():
        found += _partner(user)
    return found


def _partner(user: Obj) -> Iterator[str]:
    kind = user["metadata"].get("labels", {}).get("fdcs.gov.cn/partner")
    if kind is None:
        return
    partner_id = user["metadata"]["labels"]["fdcs.gov.cn/partner-id"]
    own_topic = PARTNER_TOPICS[kind](partner_id).name
    name = user["metadata"]["name"]
    allowed = PARTNER_OPERATIONS[kind]
    reads = "Read" in allowed  # only a reader has consumer groups
    needed = "Read" if reads else "Write"
    if not allows(user, "topic", own_topic, needed):
        yield f"partner {name} cannot {needed.lower()} its topic {own_topic}"
    for rule in acls(user):
        resource, operations = rule["resource"], set(rule["operations"])
        if resource["type"] == "topic" and (
            resource.get("patternType", "literal") != "literal" or resource["name"] != own_topic
        ):
            yield f"partner {name} may reach {resource['name']} ({resource.get('patternType')}), not only {own_topic}"
        elif resource["type"] == "topic" and not operations <= allowed:
            yield f"partner {name} may {sorted(operations)} on its topic: {needed.lower()} only"
        elif resource["type"] == "group" and (not reads or not resource["name"].startswith(f"{kind}-{partner_id}.")):
            yield f"partner {name} may use the consumer group {resource['name']}"
        elif resource["type"] not in ("topic", "group"):
            yield f"partner {name} has a {resource['type']} ACL"
