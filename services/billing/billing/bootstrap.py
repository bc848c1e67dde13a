"""Wiring of billing: its store, rules, read models, the HTTP app, the relay, the workers and the view's rebuild."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy import Connection, Engine

from billing.adapters.consumers import INPUTS, Inbound, by_institution, health_services, inputs
from billing.adapters.files.capitation_rules import load_capitation_rules
from billing.adapters.files.fee_rules import load_fee_rules
from billing.adapters.http import capitation as http_capitation
from billing.adapters.http import commands as http
from billing.adapters.http import performance as http_performance
from billing.adapters.http import view as http_view
from billing.adapters.http.inputs import close_inputs, pay_inputs
from billing.adapters.projections.settlement_view import SettlementView, replay
from billing.adapters.projections.tables import BUREAU_FEED, METADATA, POSITIONS
from billing.adapters.publishing import PUBLISHES, to_public
from billing.application.capitation import Capitation, YearIndexes
from billing.application.charging import Charging
from billing.application.performance import PerformancePay
from billing.application.settlement import Settlement
from billing.domain.periods import Calendar
from billing.settings import BillingSettings
from shared import tracing
from shared.commands import CommandProcessor
from shared.contracts import topics
from shared.eventstore import EventStore, RecordedEvent
from shared.messaging import KafkaPublisher, KafkaSubscription, Relay
from shared.messaging.rekeying import Rekeying
from shared.readmodels import LogFollower
from shared.web.app import About, Clock, app_of, utc_now
from shared.wiring import relay_for, service_engine, service_store

ROUTERS = [http.router, http_view.router, http_capitation.router, http_performance.router]
ABOUT = About(
    "Billing",
    "Contract fees split between payers, settled per period; the insurance bureaus' settlement view.",
)


def store_for(settings: BillingSettings) -> EventStore:
    return service_store(settings)


def engine_for(settings: BillingSettings) -> Engine:
    return service_engine(settings, METADATA)


def applications(settings: BillingSettings) -> tuple[Charging, Settlement]:
    _, rules = load_fee_rules(settings.fee_rules_file)
    calendar = Calendar(settings.settlement_period_months)
    return Charging(rules, calendar), Settlement(rules, calendar)


def capitation_for(settings: BillingSettings) -> Capitation:
    return Capitation(load_capitation_rules(settings.capitation_rules_file)[1])


def create_app(settings: BillingSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or BillingSettings()
    tracing.configure("billing", settings)  # in each worker process uvicorn starts
    store, engine = store_for(settings), engine_for(settings)
    app = app_of(ABOUT, ROUTERS, settings, store, clock, closers=[engine.dispose])
    app.state.zone = settings.timezone
    app.state.fee_rules_file, app.state.rules = load_fee_rules(settings.fee_rules_file)
    app.state.settlement = applications(settings)[1]
    app.state.capitation = capitation_for(settings)
    app.state.year_indexes = YearIndexes(store)
    app.state.performance_pay = PerformancePay(app.state.capitation.rules)
    app.state.engine = engine
    app.state.inputs, app.state.pay_inputs = close_inputs(settings), pay_inputs(settings)
    return app


def create_relay(settings: BillingSettings, store: EventStore | None = None) -> Relay:
    return relay_for(
        settings, store or store_for(settings), to_public, PUBLISHES, (topics.BUREAU_PREFIX, topics.bureau)
    )


def create_workers(
    settings: BillingSettings, store: EventStore | None = None, engine: Engine | None = None
) -> list[KafkaSubscription | LogFollower]:
    """What `python -m fdcs project billing` runs: contracts (re-keyed by institution, last),
    appraisal results, every claims source's claims (by the topics' pattern) and completed
    referrals become commands; the settlement view follows the public stream; the members'
    services are credited to them (performance pay, a group of its own); the bureaus' feed, the log.
    `CHARGING_ONLY`: the first alone, one more replica of the charging group (`billing-charging`)."""
    store, engine = store or store_for(settings), engine or engine_for(settings)
    charging, settlement = applications(settings)
    processor = CommandProcessor(store, settings.command_batch_size)
    inbound = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    charged = KafkaSubscription(settings, settings.consumer_group, INPUTS, inbound.handle, KafkaPublisher(settings))
    if settings.charging_only:
        return [charged]
    view = SettlementView(engine, settlement.calendar, settings.timezone)
    return [
        charged,
        KafkaSubscription(
            settings, settings.view_consumer_group, [topics.SETTLEMENTS.name], view.apply, KafkaPublisher(settings)
        ),
        KafkaSubscription(
            settings,
            settings.contributions_consumer_group,
            [topics.HEALTH_SERVICES.name],
            health_services(processor, settings.timezone).handle,
            KafkaPublisher(settings),
        ),
        bureau_feed(store, engine),
        contracts_router(settings),
    ]


def contracts_router(
    settings: BillingSettings, source: topics.Topic = topics.CONTRACTS, target: topics.Topic = topics.CONTRACT_CHARGES
) -> KafkaSubscription:
    """Signing's contract events onto billing's own topic keyed by institution, in the order they
    were recorded across partitions (the close judges the re-keyed topic by its events' times)."""
    publisher = KafkaPublisher(settings)
    rekey = Rekeying(publisher, target, by_institution)
    group = settings.router_consumer_group
    return KafkaSubscription(settings, group, [source.name], rekey.handle, publisher, in_time_order=True)


def bureau_feed(store: EventStore, engine: Engine) -> LogFollower:
    """The bureaus' HTTP feed: the same messages the relay sends to their topics."""

    def add(conn: Connection, events: Sequence[RecordedEvent]) -> None:
        BUREAU_FEED.add(conn, [m for e in events for m in to_public(e)])

    return LogFollower(store, engine, POSITIONS, "bureau-feed", add)


def rebuild(settings: BillingSettings) -> None:
    """What `python -m fdcs rebuild billing` runs: the settlement view emptied and replayed from
    billing's own log through the relay's `to_public`, so it needs neither the broker nor its
    retention, and a database from before `charge_totals` gets its totals. Run it with the
    projection stopped: the live consumer then skips what the rebuild applied."""
    store, engine = store_for(settings), engine_for(settings)
    try:
        SettlementView(engine, Calendar(settings.settlement_period_months), settings.timezone).rebuild(replay(store))
    finally:
        store.close()
        engine.dispose()


def migrate(settings: BillingSettings) -> None:
    store_for(settings).close()
    engine_for(settings).dispose()
