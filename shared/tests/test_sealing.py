"""Personal fields: found from the domain's marks, sealed at rest, shredded by erasure."""

from __future__ import annotations

import asyncio
import base64
import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from shared.domain import Personal
from shared.eventstore import EventMeta, EventStore, NewEvent, open_store
from shared.eventstore.cipher import ERASED, SealBroken, master_key, open_text, seal_text
from shared.eventstore.personal import personal_paths
from shared.eventstore.sealing import PersonalFields, resident_ref_in
from shared.eventstore.streams import EventTypes
from shared.eventstore.vault import Keys, KeyVault

META = EventMeta("e", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), "corr", "cause", "tester")
SECRET_NAME, SECRET_PHONE, SECRET_NOTE = "Li Siguang", "13912345678", "lives alone, son abroad"


@dataclass(frozen=True)
class Contact:
    phone: Personal
    kind: str


@dataclass(frozen=True)
class Noted:
    resident_ref: str
    name: Personal
    nickname: Personal | None
    contacts: tuple[Contact, ...]
    code: str


@dataclass(frozen=True)
class Routed:
    routing: Noted | None
    note: Personal


TYPES = EventTypes("test")
TYPES.register(Noted)
TYPES.register(Routed)


def test_the_paths_of_personal_fields_come_from_the_marks() -> None:
    assert personal_paths(Noted) == (("name",), ("nickname",), ("contacts", "*", "phone"))
    assert personal_paths(Routed) == (
        ("routing", "name"),
        ("routing", "nickname"),
        ("routing", "contacts", "*", "phone"),
        ("note",),
    )
    assert TYPES.personal_paths("test.Noted.v1") == personal_paths(Noted)
    assert TYPES.personal_paths("test.Unknown.v1") == ()


def test_a_sealed_value_opens_with_its_key_and_place_only() -> None:
    key, other = os.urandom(32), os.urandom(32)
    sealed = seal_text(key, "record-r1/name", SECRET_NAME)

    assert SECRET_NAME not in sealed
    assert open_text(key, "record-r1/name", sealed) == SECRET_NAME
    with pytest.raises(SealBroken):
        open_text(key, "record-r2/name", sealed)  # moved to another resident's stream
    with pytest.raises(SealBroken):
        open_text(key, "record-r1/phone", sealed)  # moved to another field
    with pytest.raises(SealBroken):
        open_text(other, "record-r1/name", sealed)
    raw = bytearray(base64.b64decode(sealed))
    raw[-1] ^= 1
    with pytest.raises(SealBroken):
        open_text(key, "record-r1/name", base64.b64encode(bytes(raw)).decode())


def test_without_a_key_a_value_neither_opens_nor_seals() -> None:
    assert seal_text(None, "record-r1/name", SECRET_NAME) == ERASED
    assert open_text(None, "record-r1/name", seal_text(os.urandom(32), "record-r1/name", SECRET_NAME)) == ERASED


def test_the_master_key_is_32_bytes_of_base64() -> None:
    assert len(master_key(base64.b64encode(os.urandom(32)).decode())) == 32
    with pytest.raises(ValueError, match="32 bytes"):
        master_key(base64.b64encode(b"short").decode())


@pytest.fixture
def sealed_store(postgres_url: str, schema: str) -> Iterator[EventStore]:
    # the resident's ref in the event, else the stream's key (as for streams kept per resident)
    fields = PersonalFields(os.urandom(32), TYPES.personal_paths, lambda s, d: resident_ref_in(s, d) or s[2:])
    opened = open_store(postgres_url, schema, personal=fields)
    yield opened
    opened.close()


def noted(stream: str, version: int, ref: str) -> NewEvent:
    event = Noted(ref, SECRET_NAME, None, (Contact(SECRET_PHONE, "mobile"),), "I10")
    return NewEvent(stream, version, *TYPES.encode(event), META)


def dump(url: str, schema: str) -> str:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        rows = conn.execute(f"SELECT convert_from(state, 'UTF8') FROM {schema}.stored_events").fetchall()
        keys = conn.execute(f"SELECT subject, encode(wrapped_key, 'hex') FROM {schema}.personal_keys").fetchall()
    return repr(rows) + repr(keys)


def test_personal_fields_are_sealed_at_rest_and_read_back_plain(
    sealed_store: EventStore, postgres_url: str, schema: str
) -> None:
    sealed_store.append([noted("n-1", 1, "r1")])
    asyncio.run(_append_async(sealed_store, [NewEvent("n-2", 1, *TYPES.encode(Routed(None, SECRET_NOTE)), META)]))

    at_rest = dump(postgres_url, schema)
    assert [s for s in (SECRET_NAME, SECRET_PHONE, SECRET_NOTE) if s in at_rest] == []
    read = sealed_store.read("n-1")[0].data
    assert (read["name"], read["nickname"], read["contacts"][0]["phone"], read["code"]) == (
        SECRET_NAME,
        None,
        SECRET_PHONE,
        "I10",
    )
    assert sealed_store.read_log(0, 10)[0].data == read
    assert asyncio.run(_read_async(sealed_store, ["n-1"]))["n-1"][0].data == read
    assert sealed_store.read_many(["n-2"])["n-2"][0].data["note"] == SECRET_NOTE


def test_erasing_a_resident_shreds_what_was_sealed_for_them_and_what_comes_after(
    sealed_store: EventStore, postgres_url: str, schema: str
) -> None:
    sealed_store.append([noted("n-1", 1, "r1"), noted("n-9", 1, "r9")])
    assert sealed_store.sealer is not None

    sealed_store.sealer.vault.erase("r1", "resident_request", datetime(2026, 2, 1, tzinfo=UTC))
    sealed_store.append([noted("n-1", 2, "r1")])

    erased = [e.data for e in sealed_store.read("n-1")]
    assert [(d["name"], d["contacts"][0]["phone"], d["resident_ref"]) for d in erased] == [(ERASED, ERASED, "r1")] * 2
    assert sealed_store.read("n-9")[0].data["name"] == SECRET_NAME  # another resident keeps theirs
    assert "r1" in dump(postgres_url, schema)  # the tombstone: when and why, but no key


def test_a_key_another_replica_made_meanwhile_is_used_and_an_erasure_holds(
    sealed_store: EventStore, schema: str
) -> None:
    assert sealed_store.sealer is not None
    vault = sealed_store.sealer.vault
    made = vault.keys(["r1"], create=True)["r1"]
    vault.erase("r2", "resident_request", datetime(2026, 2, 1, tzinfo=UTC))
    late = copy.copy(vault)  # its statement began before the other committed: it saw no key, and made none
    late._made_or_kept = SQL(  # type: ignore[attr-defined]
        "INSERT INTO {}.personal_keys (subject, wrapped_key, created_at) "
        "SELECT *, now() FROM unnest(%b::text[], %b::bytea[]) WHERE %b::text[] IS NOT NULL "
        "ON CONFLICT (subject) DO NOTHING RETURNING subject, wrapped_key"
    ).format(Identifier(schema))

    found = late.keys(["r1", "r2", "r3"], create=True)
    again = asyncio.run(_keys_async(sealed_store, late, ["r1", "r2", "r4"]))

    assert (found["r1"], found["r2"], again["r1"], again["r2"]) == (made, None, made, None)
    assert vault.keys(["r3", "r4"], create=False) == {"r3": found["r3"], "r4": again["r4"]}


def test_a_key_is_made_once_and_kept_and_its_lazy_commit_stays_its_own(sealed_store: EventStore) -> None:
    assert sealed_store.sealer is not None
    vault = sealed_store.sealer.vault
    vault.erase("r2", "resident_request", datetime(2026, 2, 1, tzinfo=UTC))
    made = vault.keys(["r1"], create=True)

    kept = vault.keys(["r1", "r2", "r3"], create=True)
    kept_async, setting = asyncio.run(_keys_and_setting(sealed_store, ["r1", "r2", "r3", "r4"]))

    assert (kept["r1"], kept["r2"], kept_async["r1"], kept_async["r3"]) == (made["r1"], None, made["r1"], kept["r3"])
    assert kept_async["r2"] is None and kept_async["r4"] is not None
    assert setting == "on"  # the connection's next statements commit durably again


async def _append_async(store: EventStore, events: list[NewEvent]) -> None:
    await store.append_async(events)
    await store.close_batch_path()


async def _keys_async(store: EventStore, vault: KeyVault, subjects: list[str]) -> Keys:
    found = await vault.keys_async(subjects, create=True)
    await store.close_batch_path()
    return found


async def _keys_and_setting(store: EventStore, subjects: list[str]) -> tuple[Keys, object]:
    assert store.sealer is not None
    found = await store.sealer.vault.keys_async(subjects, create=True)
    conn = await store.batch_path.connection()  # type: ignore[attr-defined]
    setting = await (await conn.execute("SHOW synchronous_commit")).fetchone()
    await store.close_batch_path()
    return found, setting[0] if setting else None


async def _read_async(store: EventStore, streams: list[str]) -> dict[str, list[object]]:
    found = await store.read_many_async(streams)
    await store.close_batch_path()
    return dict(found)
