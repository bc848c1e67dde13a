"""The golden file of each service's stored events (`services/<name>/tests/stored_events.json`).

For every name a service has stored events under, it keeps the JSON Schema of what is stored.
Streams hold those names for ever, so a name's schema never changes and a name never goes: a
change to an event's fields is a new version with an upcaster, and a renamed class keeps its
stored name (`EventTypes.register(..., stored_as=)`). `make contracts` adds the new names and
never rewrites an old one; a test fails while the code and the file disagree.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from fdcs.services import SERVICES, Service
from shared.eventstore.streams import EventTypes

ROOT = Path(__file__).resolve().parent.parent


def events_of(service: Service) -> EventTypes:
    events: EventTypes = importlib.import_module(f"{service.package}.application.streams").EVENTS
    return events


def golden_file(service: Service) -> Path:
    return ROOT / "services" / service.name / "tests" / "stored_events.json"


def golden(service: Service) -> dict[str, Any]:
    path = golden_file(service)
    return dict(json.loads(path.read_text())) if path.exists() else {}


def disagreements(service: Service) -> list[str]:
    events, kept = events_of(service), golden(service)
    current, where = events.schemas(), golden_file(service).relative_to(ROOT)
    changed = [n for n in current if n in kept and kept[n] != current[n]]
    orphaned = [n for n in kept if not events.knows(n)]
    return [
        *(f"{n}: its fields changed; make a new version with an upcaster" for n in changed),
        *(f"{n}: stored, but no class reads it (renamed? register it with stored_as=)" for n in orphaned),
        *(f"{n}: not in {where}: run `make contracts`" for n in current if n not in kept),
    ]


def write() -> list[Path]:
    """Add every new stored name to its service's file; an old name's schema is never rewritten."""
    written = []
    for service in SERVICES.values():
        kept = golden(service)
        added = {n: schema for n, schema in events_of(service).schemas().items() if n not in kept}
        if added or not golden_file(service).exists():
            golden_file(service).write_text(json.dumps(kept | added, indent=2, sort_keys=True) + "\n")
            written.append(golden_file(service))
    return written
