"""Wiring: real adapters from settings. Tests pass their own settings and clock."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine

from shared import tracing
from shared.eventstore import EventStore
from shared.eventstore.sealing import Sealer
from shared.messaging import Relay
from shared.readmodels import LogFollower
from shared.web.app import About, Clock, app_of, utc_now
from shared.wiring import relay_for, service_engine, service_store
from signing.adapters.consumers import erase_again
from signing.adapters.files.catalogue import load_catalogue
from signing.adapters.http import ROUTERS
from signing.adapters.projections.contract_index import FOLLOWER, METADATA, POSITIONS, ContractIndex, apply
from signing.adapters.publishing import PUBLISHES, to_public
from signing.application.lifecycle import Lifecycle
from signing.application.signing import Signing
from signing.application.starting import Starts
from signing.application.streams import EVENTS
from signing.application.teams import Teams
from signing.settings import SigningSettings

ABOUT = About(
    "Signing",
    "Family doctor teams, service packages and residents' contracts: signing, renewal, "
    "switching, termination and expiry.",
)


def store_for(settings: SigningSettings) -> EventStore:
    return service_store(settings, events=EVENTS)


def engine_for(settings: SigningSettings) -> Engine:
    return service_engine(settings, METADATA, settings.index_url)


def sealer_of(store: EventStore) -> Sealer:
    assert store.sealer is not None, "signing's store seals personal data"
    return store.sealer


def create_app(settings: SigningSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or SigningSettings()
    tracing.configure("signing", settings)  # in each worker process uvicorn starts
    store = store_for(settings)
    app = app_of(ABOUT, ROUTERS, settings, store, clock)
    catalogue = load_catalogue(settings.catalogue_file)
    starts = Starts(catalogue, settings.pseudonym_key.get_secret_value())
    app.state.zone, app.state.doctor_cap = settings.timezone, settings.doctor_resident_cap
    app.state.catalogue, app.state.index = catalogue, ContractIndex(engine_for(settings), sealer_of(store))
    app.state.teams, app.state.signing, app.state.lifecycle = Teams(), Signing(starts), Lifecycle(starts)
    return app


def create_relay(settings: SigningSettings, store: EventStore | None = None) -> Relay:
    return relay_for(settings, store or store_for(settings), to_public, PUBLISHES)


def index_follower(
    settings: SigningSettings, store: EventStore | None = None, engine: Engine | None = None
) -> LogFollower:
    """Keeps the contract index up with the log (also for tests that want to read their writes)."""
    store = store or store_for(settings)
    return LogFollower(store, engine or engine_for(settings), POSITIONS, FOLLOWER, partial(apply, sealer_of(store)))


def create_workers(settings: SigningSettings) -> list[LogFollower]:
    """What `python -m fdcs project signing` runs."""
    return [index_follower(settings)]


def after_restore(settings: SigningSettings, since: datetime) -> dict[str, int]:
    """What `python -m fdcs restore signing` does once the dump is back (fdcs/backups.py)."""
    store = store_for(settings)
    try:
        return {"erasures done again": erase_again(settings, store, since, utc_now)}
    finally:
        store.close()


def migrate(settings: SigningSettings) -> None:
    store_for(settings).close()
    engine_for(settings).dispose()
