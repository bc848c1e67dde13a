"""Wiring of appraisal: its read models, the HTTP app and the projection's subscription."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine

from appraisal.adapters import http
from appraisal.adapters.read_model import METADATA, ContractsSignedByTeam
from appraisal.settings import AppraisalSettings
from shared.contracts import topics
from shared.messaging import KafkaPublisher, KafkaSubscription
from shared.readmodels import open_engine
from shared.readmodels.database import ping
from shared.web.app import service_app, verifier_for


def engine_for(settings: AppraisalSettings) -> Engine:
    return open_engine(
        settings.database_url,
        settings.database_schema,
        METADATA,
        settings.database_pool_size,
        create=settings.database_create_tables,
    )


def create_app(settings: AppraisalSettings | None = None) -> FastAPI:
    settings = settings or AppraisalSettings()
    engine = engine_for(settings)
    app = service_app(
        "Appraisal",
        "Performance appraisal of family doctor teams, from the event streams.",
        [http.router],
        verifier_for(settings),
        readiness=partial(ping, engine),
        closers=[engine.dispose],
    )
    app.state.contracts_signed = ContractsSignedByTeam(engine)
    return app


def create_workers(settings: AppraisalSettings, engine: Engine | None = None) -> list[KafkaSubscription]:
    """What `python -m fdcs project appraisal` runs: the projections of the public streams."""
    view = ContractsSignedByTeam(engine or engine_for(settings))
    return [
        KafkaSubscription(
            settings, settings.consumer_group, [topics.CONTRACTS.name], view.apply, KafkaPublisher(settings)
        )
    ]


def migrate(settings: AppraisalSettings) -> None:
    engine_for(settings).dispose()
