"""Wiring of appraisal: its store and read models, the HTTP app, the relay and the workers."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine

from appraisal.adapters.files.catalogue import load_catalogue
from appraisal.adapters.http import population as http_population
from appraisal.adapters.http import results as http_results
from appraisal.adapters.http import series as http_series
from appraisal.adapters.http import signed as http
from appraisal.adapters.http import view as http_view
from appraisal.adapters.http.written import WrittenFigures, WrittenScores
from appraisal.adapters.projections import own_views
from appraisal.adapters.projections.cases import CasesProjection
from appraisal.adapters.projections.contracts_signed import ContractsSignedByTeam
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_tables import FOLLOWERS, METADATA
from appraisal.adapters.projections.figures_reader import FiguresReader
from appraisal.adapters.projections.partitions import partition
from appraisal.adapters.projections.results import PublishedResults
from appraisal.adapters.projections.strata_keeper import StrataKeeper
from appraisal.adapters.projections.upgrades import upgrade
from appraisal.adapters.publishing import PUBLISHES, to_public
from appraisal.application.appraising import SHARES, Appraising
from appraisal.application.publication import Publications
from appraisal.settings import AppraisalSettings
from shared import tracing
from shared.contracts import topics
from shared.eventstore import EventStore, open_store
from shared.eventstore.postgres import creating
from shared.messaging import KafkaPublisher, KafkaSubscription, Relay
from shared.readmodels import LogFollower, open_engine
from shared.readmodels.database import ping
from shared.web.app import About, Clock, app_of, utc_now
from shared.wiring import relay_for

SUBSCRIBED = (topics.TEAMS, topics.CONTRACTS, topics.HEALTH_SERVICES, topics.APPOINTMENTS, topics.REFERRALS)
ROUTERS = [http.router, http_series.router, http_view.router, http_results.router, http_population.router]

ABOUT = About(
    "Appraisal",
    "Performance appraisal of family doctor teams and institutions, from the event streams.",
)


def engine_for(settings: AppraisalSettings) -> Engine:
    engine = open_engine(
        settings.database_url,
        settings.database_schema,
        METADATA,
        settings.database_pool_size,
        create=settings.database_create_tables,
        pre_ping=settings.database_pre_ping,
    )
    if settings.database_create_tables:
        with creating(settings.database_url, settings.database_schema), engine.begin() as conn:
            upgrade(conn, settings.database_schema, settings.partition_cities)  # a whole table made partitioned first
            partition(conn, settings.database_schema, settings.partition_cities)
    return engine


def store_for(settings: AppraisalSettings) -> EventStore:
    """In a schema of its own: a rebuild drops the views' schema, never the events."""
    return open_store(
        settings.database_url,
        settings.events_schema,
        settings.database_pool_size,
        create=settings.database_create_tables,
        pre_ping=settings.database_pre_ping,
    )


def create_app(settings: AppraisalSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or AppraisalSettings()
    tracing.configure("appraisal", settings)  # in each worker process uvicorn starts
    engine, store = engine_for(settings), store_for(settings)
    app = app_of(ABOUT, ROUTERS, settings, store, clock, readiness=partial(ping, engine), closers=[engine.dispose])
    app.state.engine = engine
    app.state.appraising = Appraising(
        load_catalogue(settings.catalogue_file),
        FiguresReader(engine, settings.timezone),
        settings.timezone,
        settings.kept_reads,
        settings.kept_reads_mb * 2**20,
    )
    budget = {name: int(settings.kept_reads_mb * 2**20 * SHARES[name]) for name in ("written", "scores")}
    app.state.written_figures = WrittenFigures(settings.kept_reads, budget["written"])
    app.state.written_scores = WrittenScores(settings.kept_reads, budget["scores"])
    app.state.publications = Publications(app.state.appraising)
    app.state.results = PublishedResults(engine)
    app.state.contracts_signed = ContractsSignedByTeam(engine)
    return app


def create_relay(settings: AppraisalSettings, store: EventStore | None = None) -> Relay:
    return relay_for(settings, store or store_for(settings), to_public, PUBLISHES)


def facts_projection(settings: AppraisalSettings, engine: Engine) -> FactsProjection:
    """The facts from the public streams, and in the same transaction what they change in the figures."""
    return FactsProjection(engine, CasesProjection(load_catalogue(settings.catalogue_file), settings.timezone))


def own_views_follower(settings: AppraisalSettings, engine: Engine, store: EventStore | None = None) -> LogFollower:
    """Published results and the population register, followed from appraisal's own log."""
    return LogFollower(store or store_for(settings), engine, FOLLOWERS, own_views.FOLLOWER, own_views.apply)


def create_workers(
    settings: AppraisalSettings, engine: Engine | None = None
) -> list[KafkaSubscription | LogFollower | StrataKeeper]:
    """What `python -m fdcs project appraisal` runs: the facts from the public streams, the
    strata kept as the days they project close, and the views of appraisal's own events."""
    engine = engine or engine_for(settings)
    facts = facts_projection(settings, engine)
    consumer = KafkaSubscription(
        settings,
        settings.consumer_group,
        [t.name for t in SUBSCRIBED],
        facts.apply,
        KafkaPublisher(settings),
        in_time_order=True,
    )
    grace = timedelta(seconds=settings.strata_keep_grace_seconds)
    keeper = StrataKeeper(engine, settings.timezone, facts.known_until, settings.strata_kept_daily, grace)
    return [consumer, keeper, own_views_follower(settings, engine)]


def migrate(settings: AppraisalSettings) -> None:
    engine_for(settings).dispose()
    store_for(settings).close()
