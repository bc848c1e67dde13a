"""Wiring: real adapters from settings. Tests pass their own settings and clock."""

from __future__ import annotations

from fastapi import FastAPI

from shared.commands import CommandProcessor
from shared.eventstore import EventStore, open_store
from shared.messaging import KafkaPublisher, Relay
from shared.web.app import Clock, service_app, utc_now, verifier_for
from signing.adapters import http
from signing.adapters.catalogue_file import load_catalogue
from signing.adapters.publishing import to_public
from signing.application.signing import Signing
from signing.settings import SigningSettings


def store_for(settings: SigningSettings) -> EventStore:
    return open_store(
        settings.database_url,
        settings.database_schema,
        settings.database_pool_size,
        create=settings.database_create_tables,
    )


def create_app(settings: SigningSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or SigningSettings()
    store = store_for(settings)
    app = service_app(
        "Signing",
        "Family doctor teams, service packages and residents' contracts.",
        [http.router],
        verifier_for(settings),
        store,
        CommandProcessor(store, settings.command_batch_size),
        clock,
    )
    app.state.zone = settings.timezone
    app.state.signing = Signing(load_catalogue(settings.catalogue_file), settings.pseudonym_key.get_secret_value())
    return app


def create_relay(settings: SigningSettings, store: EventStore | None = None) -> Relay:
    return Relay(
        store or store_for(settings), KafkaPublisher(settings), to_public, batch_size=settings.relay_batch_size
    )


def migrate(settings: SigningSettings) -> None:
    store_for(settings).close()
