"""The AsyncAPI document: valid AsyncAPI 3.0, complete, true to the messages, served without a token."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from referencing import Registry, Resource

from fdcs import asyncapi, reference
from shared.contracts import schemas, topics
from shared.contracts.registry import PUBLIC_EVENTS
from shared.web.app import service_app
from shared.web.auth import TokenVerifier

# The AsyncAPI Initiative's own JSON Schema of the 3.0.0 document (npm @asyncapi/specs 6.11.1,
# schemas/3.0.0-without-$id.json, minified), kept here so the check needs no network.
SPEC = json.loads(Path(__file__).with_name("asyncapi-3.0.0.schema.json").read_text())
FIXTURES = Path(schemas.FOLDER).with_name("fixtures")
DOCUMENT: dict[str, Any] = json.loads(reference.ASYNCAPI.read_text())


def test_the_document_is_valid_asyncapi_3() -> None:
    jsonschema.Draft7Validator(SPEC).validate(DOCUMENT)
    broken = copy.deepcopy(DOCUMENT)
    del broken["channels"]["contracts"]["address"]
    broken["operations"]["publishContracts"]["action"] = "publish"  # AsyncAPI 2's word
    assert not jsonschema.Draft7Validator(SPEC).is_valid(broken), "the check can fail"


def test_every_topic_and_every_public_event_has_its_channel() -> None:
    addresses = {c["address"] for c in DOCUMENT["channels"].values()}
    assert {t.name for t in topics.ALL} <= addresses
    partners = [(topics.hospital, "hospitalId"), (topics.bureau, "bureauId"), (topics.claims, "sourceId")]
    assert {family("{" + parameter + "}").name for family, parameter in partners} <= addresses
    carried = {e.TYPE for c in asyncapi.channels() for e in c.events}
    assert carried == set(PUBLIC_EVENTS), "each current event travels on some topic"


def test_each_channel_names_its_key_and_partitions_as_the_topics_do() -> None:
    for channel in asyncapi.channels():
        declared = DOCUMENT["channels"][channel.name]
        assert declared["bindings"]["kafka"]["partitions"] == channel.topic.partitions
        assert f"Key: `{channel.topic.key}`" in declared["description"]


@pytest.mark.parametrize("type_name", sorted(PUBLIC_EVENTS))
def test_the_golden_message_of_each_event_fits_its_asyncapi_payload(type_name: str) -> None:
    """The schema a partner generates its consumer from accepts what the platform sends, and
    refuses a message of another type or with a field removed."""
    registry = Registry().with_resource("urn:asyncapi", Resource.opaque(DOCUMENT))
    payload = {"$ref": f"urn:asyncapi#/components/messages/{type_name}/payload"}
    validator = jsonschema.Draft202012Validator(payload, registry=registry)
    message = json.loads((FIXTURES / f"{type_name}.json").read_text())
    validator.validate(message)
    assert not validator.is_valid(message | {"type": "signing.Nonsense.v1"})
    assert not validator.is_valid(message | {"data": {}})


def test_every_service_serves_the_document_and_the_schemas_without_a_token(jwt_keys: Path) -> None:
    verifier = TokenVerifier.from_file(jwt_keys / "public.pem", ["RS256"], "fdcs-dev", "fdcs")
    client = TestClient(service_app("t", "t", [], verifier))
    assert client.get("/asyncapi.json").json() == DOCUMENT
    assert client.get("/schemas/envelope.schema.json").json()["title"] == "Envelope"
    missing = client.get("/schemas/signing.Nonsense.v1.schema.json")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert client.get("/schemas/..%2F..%2Fsettings.py").status_code in (401, 404), "names, not paths"
