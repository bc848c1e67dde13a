"""The public contract: golden messages, exported schemas and upcasting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts import PUBLIC_EVENTS, Envelope, UnknownEventType, parse_event, registry, schemas

FIXTURES = Path(schemas.__file__).with_name("fixtures")


@pytest.mark.parametrize("type_name", sorted(PUBLIC_EVENTS))
def test_the_golden_message_of_each_event_round_trips_unchanged(type_name: str) -> None:
    golden = json.loads((FIXTURES / f"{type_name}.json").read_text())

    envelope = Envelope.model_validate(golden)
    event = parse_event(envelope)
    again = envelope.model_copy(update={"data": event.model_dump(mode="json")})

    assert type_name == type(event).TYPE
    assert json.loads(again.encode()) == golden


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
    golden = json.loads((FIXTURES / "signing.TeamRegistered.v1.json").read_text())
    old_data = {k: v for k, v in golden["data"].items() if k != "institution_kind"}

    def v0_to_v1(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "signing.TeamRegistered.v1", {**data, "institution_kind": "community_health_centre"}

    monkeypatch.setitem(registry.UPCASTERS, "signing.TeamRegistered.v0", v0_to_v1)
    event = parse_event(Envelope.model_validate(golden | {"type": "signing.TeamRegistered.v0", "data": old_data}))

    assert event.model_dump(mode="json") == golden["data"]


def test_the_envelope_requires_a_zoned_time() -> None:
    golden = json.loads((FIXTURES / "signing.TeamRegistered.v1.json").read_text())
    with pytest.raises(ValidationError):
        Envelope.model_validate(golden | {"time": "2026-01-05T09:30:00"})
