"""A service's store and read-model engine, opened the same way from its settings."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import Engine, MetaData

from shared.commands.session import RECEIPT_TYPE
from shared.contracts.topics import Topic
from shared.eventstore import EventStore, open_store
from shared.eventstore.cipher import master_key
from shared.eventstore.personal import EVERY, Path
from shared.eventstore.sealing import PersonalFields, SubjectOf, resident_ref_in
from shared.eventstore.streams import EventTypes
from shared.messaging import KafkaPublisher, Publisher, Relay
from shared.messaging.partner_topics import PartnerTopics
from shared.messaging.relay import Translate
from shared.readmodels import open_engine
from shared.settings import ServiceSettings

RECEIPT_PATHS: tuple[Path, ...] = (("result", "contracts", EVERY), ("result",))
"""A command's result, sealed whole; an agreement's contracts first, each with its resident's
key (`sealing.whose`): the result names several residents, and erasing one shreds their part."""
UNATTRIBUTED = "unattributed"
Partners = tuple[str, Callable[[str], Topic]]
"""A kind of partner's topics: their names' prefix, and a partner's topic by its id."""


def service_store(
    settings: ServiceSettings,
    schema: str | None = None,
    events: EventTypes | None = None,
    subject_of: SubjectOf = resident_ref_in,
) -> EventStore:
    """With `events`, the store seals the personal fields their classes mark, each with the
    key of the resident `subject_of` finds (by default the event's `resident_ref`)."""
    key = master_key(settings.personal_data_key.get_secret_value())
    personal = personal_fields(key, events, subject_of) if events else None
    return open_store(
        settings.database_url,
        schema or settings.database_schema,
        settings.database_pool_size,
        create=settings.database_create_tables,
        personal=personal,
        pre_ping=settings.database_pre_ping,
    )


def personal_fields(key: bytes, events: EventTypes, subject_of: SubjectOf = resident_ref_in) -> PersonalFields:
    """Where a service's events (and the command receipts beside them) hold personal data, and whose."""
    return PersonalFields(key, _with_receipts(events), _or_receipt(subject_of))


def _with_receipts(events: EventTypes) -> Callable[[str], tuple[Path, ...]]:
    """A command's receipt keeps its result for replays: a view of what it changed, which may
    show personal data, so the whole result is sealed."""
    return lambda type_name: RECEIPT_PATHS if type_name == RECEIPT_TYPE else events.personal_paths(type_name)


def _or_receipt(subject_of: SubjectOf) -> SubjectOf:
    """A receipt's resident is the one its result names; a result naming none (a team's, say)
    is sealed with a key that is never erased, so it too is unreadable at rest."""

    def subject(stream_id: str, data: dict[str, Any]) -> str | None:
        if stream_id.startswith("receipt-"):
            return resident_ref_in(stream_id, data) or UNATTRIBUTED
        return subject_of(stream_id, data)

    return subject


def service_engine(settings: ServiceSettings, metadata: MetaData, url: str | None = None) -> Engine:
    """The read models live beside the store, in the service's own schema (or at `url`)."""
    return open_engine(
        url or settings.database_url,
        settings.database_schema,
        metadata,
        settings.database_pool_size,
        create=settings.database_create_tables,
        pre_ping=settings.database_pre_ping,
    )


def relay_for(
    settings: ServiceSettings,
    store: EventStore,
    to_public: Translate,
    publishes: Collection[str],
    partners: Partners | None = None,
) -> Relay:
    """The relay of a service's log to Kafka, through its `to_public` of the types it `publishes`
    (the others never read); with `partners` (their topics' prefix, and a partner's topic), each
    partner's copy goes to that partner's topic too."""
    publisher: Publisher = KafkaPublisher(settings)
    if partners is not None:
        publisher = PartnerTopics(publisher, settings, *partners)
    return Relay(store, publisher, to_public, publishes, batch_size=settings.relay_batch_size)
