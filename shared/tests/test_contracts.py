"""The public contract: golden messages, exported schemas and upcasting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts import PUBLIC_EVENTS, Envelope, UnknownEventType, parse_event, registry, schemas

FIXTURES = Path(schemas.__file__).with_name("fixtures")
RETIRED = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem not in PUBLIC_EVENTS)
# Strings with no pattern or enumeration that are still no free text: references and codes.
REFERENCES = ("_id", "_by", "period", "catalogue_version", "fulfils", "code", "score")


@pytest.mark.parametrize("type_name", sorted(PUBLIC_EVENTS))
def test_the_golden_message_of_each_event_round_trips_unchanged(type_name: str) -> None:
    golden = json.loads((FIXTURES / f"{type_name}.json").read_text())

    envelope = Envelope.model_validate(golden)
    event = parse_event(envelope)
    again = envelope.model_copy(update={"data": event.model_dump(mode="json")})

    assert type_name == type(event).TYPE
    assert json.loads(again.encode()) == golden


@pytest.mark.parametrize("type_name", RETIRED)
def test_the_golden_message_of_each_retired_version_is_read_as_the_current_one(type_name: str) -> None:
    golden = json.loads((FIXTURES / f"{type_name}.json").read_text())

    event = parse_event(Envelope.model_validate(golden))
    current = json.loads((FIXTURES / f"{type(event).TYPE}.json").read_text())

    assert type_name in registry.UPCASTERS
    assert event.model_dump(mode="json") == current["data"]


@pytest.mark.parametrize("type_name", sorted(PUBLIC_EVENTS))
def test_public_events_carry_codes_and_references_but_no_free_text(type_name: str) -> None:
    schema = PUBLIC_EVENTS[type_name].model_json_schema()

    texts = [path for path in _free_strings(schema, schema.get("$defs", {}), "") if not path.endswith(REFERENCES)]

    assert texts == [], "free text leaks names, phones and identity numbers: keep it in the service"


def _free_strings(schema: dict[str, Any], defs: dict[str, Any], path: str) -> Iterator[str]:
    """The paths of string fields that take any text (no pattern, enumeration or format)."""
    if "$ref" in schema:
        yield from _free_strings(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
    for alternative in schema.get("anyOf", []):
        yield from _free_strings(alternative, defs, path)
    for name, field in schema.get("properties", {}).items():
        yield from _free_strings(field, defs, f"{path}.{name}".lstrip("."))
    if "items" in schema:
        yield from _free_strings(schema["items"], defs, path)
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(schema):
        yield path


def test_the_exported_schemas_match_the_models() -> None:
    on_disk = {p.name: p.read_text() for p in schemas.FOLDER.glob("*.schema.json")}
    assert on_disk == schemas.rendered(), "contracts changed: run `python -m fdcs contracts` and review"


def test_a_message_violating_its_schema_is_refused() -> None:
    golden = json.loads((FIXTURES / "signing.ContractSigned.v1.json").read_text())
    golden["data"]["term_years"] = 5
    with pytest.raises(ValidationError):
        parse_event(Envelope.model_validate(golden))


def test_an_unknown_type_is_refused() -> None:
    golden = json.loads((FIXTURES / "signing.ContractSigned.v1.json").read_text())
    with pytest.raises(UnknownEventType):
        parse_event(Envelope.model_validate(golden | {"type": "signing.Unheard.v1"}))


def test_a_retired_version_is_upcast_to_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    golden = json.loads((FIXTURES / "signing.TeamRegistered.v2.json").read_text())
    old_data = {k: v for k, v in golden["data"].items() if k != "institution_kind"}

    def v0_to_v1(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "signing.TeamRegistered.v1", {**data, "institution_kind": "community_health_centre", "name": "T"}

    monkeypatch.setitem(registry.UPCASTERS, "signing.TeamRegistered.v0", v0_to_v1)
    event = parse_event(Envelope.model_validate(golden | {"type": "signing.TeamRegistered.v0", "data": old_data}))

    assert event.model_dump(mode="json") == golden["data"]


def test_the_envelope_requires_a_zoned_time() -> None:
    golden = json.loads((FIXTURES / "signing.TeamRegistered.v2.json").read_text())
    with pytest.raises(ValidationError):
        Envelope.model_validate(golden | {"time": "2026-01-05T09:30:00"})


def test_an_envelope_with_an_extension_this_release_does_not_know_is_read_and_the_extension_dropped() -> None:
    golden = json.loads((Path(schemas.FOLDER).with_name("fixtures") / "signing.ContractSigned.v1.json").read_text())
    envelope = Envelope.decode(json.dumps(golden | {"partitionkey": "r_x", "dataref": "s3://elsewhere"}))
    assert envelope.id == golden["id"] and "partitionkey" not in envelope.encode().decode()
