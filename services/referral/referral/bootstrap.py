"""Wiring of referral: its store and read models, the HTTP app, the relay and the workers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine

from referral.adapters.consumers import appointments_from_health_records, contracts_from_signing
from referral.adapters.http import commands as http
from referral.adapters.http import reads as http_reads
from referral.adapters.projections.read_models import METADATA, ReferralOverview, feed_follower, overview_follower
from referral.adapters.publishing import PUBLISHES, to_public
from referral.application.referrals import Referrals
from referral.application.streams import ERASURES, EVENTS
from referral.settings import ReferralSettings
from shared import tracing
from shared.commands import CommandProcessor
from shared.contracts import topics
from shared.erasure import Erasures
from shared.eventstore import EventStore
from shared.messaging import Delivery, KafkaPublisher, KafkaSubscription, Relay
from shared.pseudonyms import resident_ref
from shared.service_module import Worker
from shared.web.app import About, Clock, app_of, utc_now
from shared.wiring import relay_for, service_engine, service_store

ROUTERS = [http.router, http_reads.router]
ABOUT = About(
    "Referral",
    "Up- and down-referrals between family doctors and hospitals; hospitals follow their own.",
)


def store_for(settings: ReferralSettings) -> EventStore:
    return service_store(settings, events=EVENTS)


def engine_for(settings: ReferralSettings) -> Engine:
    return service_engine(settings, METADATA)


def create_app(settings: ReferralSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or ReferralSettings()
    tracing.configure("referral", settings)  # in each worker process uvicorn starts
    store = store_for(settings)
    app = app_of(ABOUT, ROUTERS, settings, store, clock)
    app.state.zone = settings.timezone
    app.state.engine = engine = engine_for(settings)
    app.state.overview = ReferralOverview(engine)
    app.state.referrals = Referrals(timedelta(hours=settings.referral_answer_hours))
    app.state.pseudonymise = partial(resident_ref, key=settings.pseudonym_key.get_secret_value())
    return app


def create_relay(settings: ReferralSettings, store: EventStore | None = None) -> Relay:
    return relay_for(
        settings, store or store_for(settings), to_public, PUBLISHES, (topics.HOSPITAL_PREFIX, topics.hospital)
    )


def create_workers(settings: ReferralSettings, clock: Clock = utc_now) -> list[Worker]:
    """What `python -m fdcs project referral` runs: the consumer of contracts and appointments,
    and the log followers."""
    store, engine = store_for(settings), engine_for(settings)
    processor = CommandProcessor(store, settings.command_batch_size)
    contracts = contracts_from_signing(processor, Erasures(store, processor, ERASURES, clock))
    appointments = appointments_from_health_records(processor)

    def handle(deliveries: Sequence[Delivery]) -> None:
        """Each topic to its own: a resident's contracts and appointments need no common order."""
        contracts.handle([d for d in deliveries if d.topic == topics.CONTRACTS.name])
        appointments.handle([d for d in deliveries if d.topic == topics.APPOINTMENTS.name])

    read = [topics.CONTRACTS.name, topics.APPOINTMENTS.name]
    return [
        KafkaSubscription(settings, settings.consumer_group, read, handle, KafkaPublisher(settings)),
        feed_follower(store, engine),
        overview_follower(store, engine),
    ]


def migrate(settings: ReferralSettings) -> None:
    store_for(settings).close()
    engine_for(settings).dispose()
