"""The AsyncAPI 3.0 document of every topic, rendered from the code by `make contracts`.

Channels are the topics (`shared/contracts/topics.py`: address, key, partitions); messages are
the public events (`shared/contracts`, the CloudEvents envelope around each one's schema); who
publishes and who reads comes from the services' modules, as in the event catalogue. Partners
generate their consumers from it; every service serves it at `/asyncapi.json`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.contracts import appointments, appraisal, billing, claims, health_records, referral, signing, topics
from shared.contracts.base import PublicEvent
from shared.contracts.envelope import CONTENT_TYPE, Envelope
from shared.contracts.registry import PUBLIC_EVENTS

_SCHEMAS = "#/components/schemas/{model}"
_KAFKA = "0.5.0"  # the Kafka bindings' version
_TEAM_EVENTS = (signing.TeamRegistered, signing.TeamMemberJoined, signing.TeamMemberLeft, signing.ResidentCapChanged)


def _of(module: ModuleType, keep: Callable[[type[PublicEvent]], bool] = lambda _: True) -> list[type[PublicEvent]]:
    return [m for m in PUBLIC_EVENTS.values() if inspect.getmodule(m) is module and keep(m)]


@dataclass(frozen=True)
class Channel:
    """A topic, or a family of partner topics (`family` names its function in `topics`, and
    `parameter` the id in its address)."""

    name: str
    topic: topics.Topic
    events: list[type[PublicEvent]]
    family: Callable[[str], topics.Topic] | None = None
    parameter: str = ""


def channels() -> list[Channel]:
    """Every topic the platform's events travel on (the dead letters apart)."""
    return [
        Channel("teams", topics.TEAMS, _of(signing, lambda m: m in _TEAM_EVENTS)),
        Channel("contracts", topics.CONTRACTS, _of(signing, lambda m: m not in _TEAM_EVENTS)),
        Channel("healthServices", topics.HEALTH_SERVICES, _of(health_records)),
        Channel("appointments", topics.APPOINTMENTS, _of(appointments)),
        Channel("referrals", topics.REFERRALS, _of(referral)),
        _partner("hospitalReferrals", topics.hospital, "hospitalId", _of(referral)),
        Channel("settlements", topics.SETTLEMENTS, _of(billing)),
        Channel("billingContracts", topics.CONTRACT_CHARGES, _of(signing, lambda m: m not in _TEAM_EVENTS)),
        _partner("bureauSettlements", topics.bureau, "bureauId", _of(billing)),
        Channel("appraisalResults", topics.APPRAISAL_RESULTS, _of(appraisal)),
        _partner("claims", topics.claims, "sourceId", _of(claims)),
    ]


def _partner(
    name: str, family: Callable[[str], topics.Topic], parameter: str, events: list[type[PublicEvent]]
) -> Channel:
    return Channel(name, family("{" + parameter + "}"), events, family, parameter)


_PARAMETERS = {
    "hospitalId": "The hospital's id: only that hospital's Kafka user may read (a prefixed ACL on its topic).",
    "bureauId": "The insurance bureau's id: only that bureau's Kafka user may read.",
    "sourceId": "The claims source's id: only that source's user `claims-<id>` may write; billing reads them all.",
    "consumerGroup": "The consumer group whose dead letters these are (`python -m fdcs dead-letters`).",
}


def document(publishers: dict[str, list[str]], readers: dict[str, list[str]]) -> dict[str, Any]:
    """`publishers`/`readers`: topic name (or a partner topic's function name) → services."""
    models: list[type[BaseModel]] = [Envelope, *PUBLIC_EVENTS.values()]
    refs, defs = models_json_schema([(m, "validation") for m in models], ref_template=_SCHEMAS)
    envelope = refs[(Envelope, "validation")]
    messages = {t: _message(t, m, envelope, refs[(m, "validation")]) for t, m in PUBLIC_EVENTS.items()}
    messages["DeadLetter"] = _dead_letter()
    chans: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for channel in [*channels(), _dead_letters()]:
        name, topic = channel.name, channel.topic
        writers = publishers.get(channel.family.__name__ if channel.family else topic.name, [])
        types = [e.TYPE for e in channel.events] or ["DeadLetter"]
        chans[name] = _channel(topic, types, channel.parameter, writers, readers)
        written_here = bool(writers) or name == "deadLetters"
        operations[f"{'publish' if written_here else 'consume'}{name[0].upper()}{name[1:]}"] = {
            "action": "send" if written_here else "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"The platform {'publishes to' if written_here else 'reads'} {topic.name}",
            "messages": [{"$ref": f"#/channels/{name}/messages/{_id(t)}"} for t in types],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Family doctor contract services: events",
            "version": "1",
            "description": (
                "Every Kafka topic of the platform. Each message is a CloudEvents 1.0 envelope in structured "
                "JSON mode whose `data` is the event; the Kafka key is the topic's key (events with one key "
                "are read in the order they were published). No message carries personal data: residents "
                "are pseudonymous `resident_ref`s. A breaking change is a new `.vN` type, with the old one "
                "upcast on reading."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "production": {
                "host": "fdcs-kafka-bootstrap:9093",
                "protocol": "kafka-secure",
                "description": "Strimzi's TLS listener; each partner has its own SCRAM user and ACLs",
                "security": [{"$ref": "#/components/securitySchemes/scram"}],
            }
        },
        "channels": chans,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": defs["$defs"],
            "securitySchemes": {
                "scram": {
                    "type": "scramSha512",
                    "description": "A Kafka user per service and per partner; ACLs limit each to its own topics",
                }
            },
        },
    }


def rendered(publishers: dict[str, list[str]], readers: dict[str, list[str]]) -> str:
    return json.dumps(document(publishers, readers), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _id(type_name: str) -> str:
    return type_name.replace(".", "_")


def _channel(
    topic: topics.Topic, types: list[str], parameter: str, writers: list[str], readers: dict[str, list[str]]
) -> dict[str, Any]:
    read_by = readers.get(topic.name, [])
    if parameter == "hospitalId":
        read_by = ["that hospital"]
    elif parameter == "bureauId":
        read_by = ["that insurance bureau"]
    elif parameter == "sourceId":
        read_by, writers = ["billing"], ["that claims source"]
    channel: dict[str, Any] = {
        "address": topic.name,
        "description": (
            f"Key: `{topic.key}`. Published by {', '.join(sorted(writers)) or 'every consumer (its dead letters)'}; "
            f"read by {', '.join(sorted(read_by)) or 'no service (partners and operators)'}."
        ),
        "messages": {_id(t): {"$ref": f"#/components/messages/{t}"} for t in types},
        "bindings": {
            "kafka": {
                "partitions": topic.partitions,
                "topicConfiguration": {"cleanup.policy": ["compact" if topic.compacted else "delete"]},
                "bindingVersion": _KAFKA,
            }
        },
    }
    if parameter:
        channel["parameters"] = {parameter: {"description": _PARAMETERS[parameter]}}
    return channel


def _message(type_name: str, model: type[PublicEvent], envelope: Any, data: Any) -> dict[str, Any]:
    doc = inspect.getdoc(model) or type_name
    return {
        "name": type_name,
        "title": model.__name__,
        "summary": doc.split("\n\n")[0].replace("\n", " "),
        "contentType": CONTENT_TYPE,
        "payload": {
            "allOf": [
                envelope,
                {"type": "object", "properties": {"type": {"const": type_name}, "data": data}},
            ]
        },
        "bindings": {"kafka": {"key": {"type": "string"}, "bindingVersion": _KAFKA}},
    }


def _dead_letters() -> Channel:
    return _partner("deadLetters", topics.dead_letters, "consumerGroup", [])


def _dead_letter() -> dict[str, Any]:
    header = {"type": "string"}
    return {
        "name": "DeadLetter",
        "title": "A message a consumer could not apply",
        "summary": "The original message's key and bytes, unchanged, with where it came from and why in headers",
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                n: header for n in ("dlq-reason", "dlq-topic", "dlq-partition", "dlq-offset", "dlq-attempts")
            },
        },
        "payload": {"description": "The original message's value, as it was read"},
    }
