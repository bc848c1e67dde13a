"""Sealing personal values at the store's boundary: sealed on append, opened on read.

The domain, projections, the relay and the HTTP reads see plain values; the database
holds each personal value as `{"sealed": "<base64>", "for": "<resident_ref>"}`, encrypted
with its resident's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic_core import from_json, to_json

from shared.eventstore.cipher import ERASED, open_text, seal_text
from shared.eventstore.personal import Path, rewrite, values_at
from shared.eventstore.records import NewEvent, RecordedEvent
from shared.eventstore.vault import Keys, KeyVault

SubjectOf = Callable[[str, dict[str, Any]], str | None]
SEALED, FOR = "sealed", "for"
ERASED_JSON = {"erased": True}  # a sealed JSON value (a command's result) once its resident is erased


def resident_ref_in(stream_id: str, data: dict[str, Any]) -> str | None:
    """Whose data an event holds: the `resident_ref` in it, nearest the top (`routing.resident_ref`,
    a command's `result.resident_ref`)."""
    level = [data]
    for _ in range(3):
        found = next((d["resident_ref"] for d in level if isinstance(d.get("resident_ref"), str)), None)
        if found:
            return str(found)
        level = [v for d in level for v in d.values() if isinstance(v, dict)]
    return None


@dataclass(frozen=True)
class PersonalFields:
    """How a service's store finds its personal data: where in each event type, and whose."""

    master_key: bytes
    paths_of: Callable[[str], tuple[Path, ...]]
    subject_of: SubjectOf = resident_ref_in


class Sealer:
    def __init__(self, vault: KeyVault, fields: PersonalFields) -> None:
        self.vault, self._fields = vault, fields

    def seal(self, events: Sequence[NewEvent]) -> list[NewEvent]:
        subjects = self._subjects(events)
        keys = self.vault.keys(self._keys_for(events, subjects), create=True) if subjects else {}
        return self._sealed(events, subjects, keys)

    async def seal_async(self, events: Sequence[NewEvent]) -> list[NewEvent]:
        subjects = self._subjects(events)
        keys = await self.vault.keys_async(self._keys_for(events, subjects), create=True) if subjects else {}
        return self._sealed(events, subjects, keys)

    def open(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        found, more = list(events), True
        while more and (subjects := self._sealed_for(found)):  # again for the parts a value opened holds
            found, more = self._opened(found, self.vault.keys(subjects, create=False))
        return found

    async def open_async(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        found, more = list(events), True
        while more and (subjects := self._sealed_for(found)):
            found, more = self._opened(found, await self.vault.keys_async(subjects, create=False))
        return found

    def withheld(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        """The events with their personal values read as an erased resident's are: for a reader
        that publishes none of them (the relay), so no key is asked for and nothing decrypted."""
        return self._opened(events, {})[0]

    def seal_texts(self, items: Sequence[tuple[str, str, str]]) -> list[str]:
        """(subject, place, text) sealed one by one, for a read model that copies personal text."""
        keys = self.vault.keys([s for s, _, _ in items], create=True) if items else {}
        return [seal_text(keys.get(s), place, text) for s, place, text in items]

    def open_texts(self, items: Sequence[tuple[str, str, str]]) -> list[str]:
        keys = self.vault.keys([s for s, _, _ in items], create=False) if items else {}
        return [open_text(keys.get(s), place, sealed) for s, place, sealed in items]

    def _subjects(self, events: Sequence[NewEvent]) -> dict[int, str]:
        """Whose key each event with a personal value needs, by position."""
        found: dict[int, str] = {}
        for n, e in enumerate(events):
            paths = self._fields.paths_of(e.type)
            if paths and values_at(e.data, paths):
                subject = self._fields.subject_of(e.stream_id, e.data)
                if subject is None:
                    raise ValueError(f"{e.type} holds personal data but names no resident to seal it for")
                found[n] = subject
        return found

    def _keys_for(self, events: Sequence[NewEvent], subjects: dict[int, str]) -> list[str]:
        """The events' subjects, and those of the parts of their values naming a resident of their own."""
        parts = (whose(v, s) for n, s in subjects.items() for v in values_at(events[n].data, self._paths(events[n])))
        return list(dict.fromkeys([*subjects.values(), *parts]))

    def _sealed(self, events: Sequence[NewEvent], subjects: dict[int, str], keys: Keys) -> list[NewEvent]:
        def sealed(n: int, e: NewEvent) -> NewEvent:
            def seal(where: str, v: Any) -> Any:
                subject = whose(v, subjects[n])
                return _sealed_value(keys.get(subject), subject, f"{e.stream_id}/{where}", v)

            return replace(e, data=rewrite(e.data, self._paths(e), seal))

        return [sealed(n, e) if n in subjects else e for n, e in enumerate(events)]

    def _paths(self, e: NewEvent) -> tuple[Path, ...]:
        return self._fields.paths_of(e.type)

    def _sealed_for(self, events: Sequence[RecordedEvent]) -> list[str]:
        """The subjects whose keys the sealed values of `events` need."""
        found = (v for e in events for v in values_at(e.data, self._fields.paths_of(e.type)))
        return [v[FOR] for v in found if _is_sealed(v)]

    def _opened(self, events: Sequence[RecordedEvent], keys: Keys) -> tuple[list[RecordedEvent], bool]:
        """The events opened, and whether a value opened was JSON, which may hold sealed parts."""
        holding = False

        def opened(e: RecordedEvent) -> RecordedEvent:
            nonlocal holding
            paths = self._fields.paths_of(e.type)
            found = [v for v in values_at(e.data, paths) if _is_sealed(v)]
            if not found:
                return e
            holding = holding or any(v.get("json") for v in found)
            data = rewrite(e.data, paths, lambda where, v: _opened_value(keys, f"{e.stream_id}/{where}", v))
            return replace(e, data=data)

        return [opened(e) for e in events], holding


def whose(value: Any, subject: str) -> str:
    """Whose key seals a value: a part naming its own resident (a contract in an agreement's
    result, which names several) theirs, so erasing one shreds their part; else the event's."""
    if isinstance(value, dict) and isinstance(ref := value.get("resident_ref"), str) and not _is_sealed(value):
        return ref
    return subject


def _sealed_value(key: bytes | None, subject: str, place: str, value: Any) -> Any:
    """A text is sealed as itself; anything else (a command's whole result) as its JSON. The
    sealed value names its resident: whose key opens it, whatever else it hides."""
    if _is_sealed(value):
        return value
    if isinstance(value, str):
        return ERASED if key is None else {SEALED: seal_text(key, place, value), FOR: subject}
    if key is None:
        return dict(ERASED_JSON)
    return {SEALED: seal_text(key, place, to_json(value).decode()), FOR: subject, "json": True}


def _opened_value(keys: Keys, place: str, value: Any) -> Any:
    if not _is_sealed(value):
        return value
    key = keys.get(value[FOR])
    if not value.get("json"):
        return open_text(key, place, value[SEALED])
    return dict(ERASED_JSON) if key is None else from_json(open_text(key, place, value[SEALED]))


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get(SEALED), str) and isinstance(value.get(FOR), str)
