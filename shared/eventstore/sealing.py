"""Sealing personal values at the store's boundary: sealed on append, opened on read.

The domain, projections, the relay and the HTTP reads see plain values; the database
holds each personal value as `{"sealed": "<base64>"}`, encrypted with its resident's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from shared.eventstore.cipher import ERASED, open_text, seal_text
from shared.eventstore.personal import Path, rewrite, values_at
from shared.eventstore.records import NewEvent, RecordedEvent
from shared.eventstore.vault import Keys, Vault

SubjectOf = Callable[[str, dict[str, Any]], str | None]
SEALED = "sealed"
Event = NewEvent | RecordedEvent


def resident_ref_in(stream_id: str, data: dict[str, Any]) -> str | None:
    """Whose data an event holds: the `resident_ref` in it, at the top or one level down."""
    found = data.get("resident_ref")
    if isinstance(found, str):
        return found
    nested = (v.get("resident_ref") for v in data.values() if isinstance(v, dict))
    return next((ref for ref in nested if isinstance(ref, str)), None)


@dataclass(frozen=True)
class PersonalFields:
    """How a service's store finds its personal data: where in each event type, and whose."""

    master_key: bytes
    paths_of: Callable[[str], tuple[Path, ...]]
    subject_of: SubjectOf = resident_ref_in


class Sealer:
    def __init__(self, vault: Vault, fields: PersonalFields) -> None:
        self.vault, self._fields = vault, fields

    def seal(self, events: Sequence[NewEvent]) -> list[NewEvent]:
        subjects = self._subjects(events, lambda v: True)
        keys = self.vault.keys(list(subjects.values()), create=True) if subjects else {}
        return self._sealed(events, subjects, keys)

    async def seal_async(self, events: Sequence[NewEvent]) -> list[NewEvent]:
        subjects = self._subjects(events, lambda v: True)
        keys = await self.vault.keys_async(list(subjects.values()), create=True) if subjects else {}
        return self._sealed(events, subjects, keys)

    def open(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        subjects = self._subjects(events, _is_sealed)
        keys = self.vault.keys(list(subjects.values()), create=False) if subjects else {}
        return self._opened(events, subjects, keys)

    async def open_async(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        subjects = self._subjects(events, _is_sealed)
        keys = await self.vault.keys_async(list(subjects.values()), create=False) if subjects else {}
        return self._opened(events, subjects, keys)

    def seal_texts(self, items: Sequence[tuple[str, str, str]]) -> list[str]:
        """(subject, place, text) sealed one by one, for a read model that copies personal text."""
        keys = self.vault.keys([s for s, _, _ in items], create=True) if items else {}
        return [seal_text(keys.get(s), place, text) for s, place, text in items]

    def open_texts(self, items: Sequence[tuple[str, str, str]]) -> list[str]:
        keys = self.vault.keys([s for s, _, _ in items], create=False) if items else {}
        return [open_text(keys.get(s), place, sealed) for s, place, sealed in items]

    def _subjects(self, events: Sequence[Event], holds: Callable[[Any], bool]) -> dict[int, str]:
        """Whose key each event with a personal value (sealed or to seal) needs, by position."""
        found: dict[int, str] = {}
        for n, e in enumerate(events):
            paths = self._fields.paths_of(e.type)
            if paths and any(holds(v) for v in values_at(e.data, paths)):
                subject = self._fields.subject_of(e.stream_id, e.data)
                if subject is None:
                    raise ValueError(f"{e.type} holds personal data but names no resident to seal it for")
                found[n] = subject
        return found

    def _sealed(self, events: Sequence[NewEvent], subjects: dict[int, str], keys: Keys) -> list[NewEvent]:
        def sealed(n: int, e: NewEvent) -> NewEvent:
            key = keys.get(subjects[n])
            data = rewrite(
                e.data,
                self._fields.paths_of(e.type),
                lambda where, v: _sealed_value(key, f"{e.stream_id}/{where}", v),
            )
            return replace(e, data=data)

        return [sealed(n, e) if n in subjects else e for n, e in enumerate(events)]

    def _opened(self, events: Sequence[RecordedEvent], subjects: dict[int, str], keys: Keys) -> list[RecordedEvent]:
        def opened(n: int, e: RecordedEvent) -> RecordedEvent:
            key = keys.get(subjects[n])
            data = rewrite(
                e.data,
                self._fields.paths_of(e.type),
                lambda where, v: open_text(key, f"{e.stream_id}/{where}", v[SEALED]) if _is_sealed(v) else v,
            )
            return replace(e, data=data)

        return [opened(n, e) if n in subjects else e for n, e in enumerate(events)]


def _sealed_value(key: bytes | None, place: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return ERASED if key is None else {SEALED: seal_text(key, place, value)}


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get(SEALED), str)
