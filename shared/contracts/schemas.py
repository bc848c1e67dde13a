"""JSON Schema of every public event and of the envelope, written to `schemas/`.

Partners (hospitals, insurance bureaus) generate their consumers from these files; a
test fails when a model and its file disagree, so a change to a contract is deliberate:
regenerate with `python -m fdcs contracts` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

from shared.contracts.envelope import Envelope
from shared.contracts.registry import PUBLIC_EVENTS

FOLDER = Path(__file__).with_name("schemas")


def rendered() -> dict[str, str]:
    files = {"envelope.schema.json": Envelope.model_json_schema()}
    for type_name, model in PUBLIC_EVENTS.items():
        schema = model.model_json_schema()
        schema["$id"] = f"urn:fdcs:event:{type_name}"
        schema["title"] = type_name
        files[f"{type_name}.schema.json"] = schema
    return {name: json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in files.items()}


def write(folder: Path = FOLDER) -> list[Path]:
    """Write every current schema and remove those of retired versions (their messages are
    upcast on reading: partners generate consumers for the current versions only)."""
    current = rendered()
    for stale in folder.glob("*.schema.json"):
        if stale.name not in current:
            stale.unlink()
    written = []
    for name, text in current.items():
        (folder / name).write_text(text)
        written.append(folder / name)
    return written
