"""Wiring of health records: real adapters from settings. Tests pass their own settings and clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from health_records.adapters.consumers import referral_events, signing_events
from health_records.adapters.files.norms import load_norms
from health_records.adapters.http import alerts as http_alerts
from health_records.adapters.http import appointments as http_appointments
from health_records.adapters.http import devices as http_devices
from health_records.adapters.http import plan as http_plan
from health_records.adapters.http import readings as http_readings
from health_records.adapters.http import record as http_record
from health_records.adapters.http import services as http_services
from health_records.adapters.projections import appointment_book, reading_alert_reads, reading_alerts, resident_devices
from health_records.adapters.projections.fulfilment import METADATA, FulfilmentView, follower
from health_records.adapters.publishing import PUBLISHES, to_public
from health_records.application.appointment_views import AppointmentViews
from health_records.application.appointments import Appointments
from health_records.application.delivery import Delivery
from health_records.application.devices import Devices
from health_records.application.inbound import Inbound
from health_records.application.queries import Queries
from health_records.application.reading_views import ReadingViews
from health_records.application.records import Records
from health_records.application.schedules import Schedules
from health_records.application.streams import ERASURES, EVENTS, resident_of
from health_records.settings import HealthRecordsSettings
from shared import tracing
from shared.commands import CommandProcessor
from shared.contracts import topics
from shared.erasure import Erasures
from shared.eventstore import EventStore
from shared.messaging import KafkaPublisher, KafkaSubscription, Relay
from shared.messaging.delivery import Delivery as Message
from shared.readmodels import LogFollower
from shared.web.app import About, Clock, app_of, utc_now
from shared.wiring import relay_for, service_engine, service_store

ROUTERS = [
    http_record.router,
    http_plan.router,
    http_services.router,
    http_devices.router,
    http_readings.router,
    http_appointments.router,
    http_alerts.router,
]
ABOUT = About(
    "Health records",
    "Residents' health records, management plans, visits and feedback.",
)


def store_for(settings: HealthRecordsSettings) -> EventStore:
    return service_store(settings, events=EVENTS, subject_of=resident_of)


def engine_for(settings: HealthRecordsSettings) -> Engine:
    """The read models live beside the store, in the service's own schema."""
    return service_engine(settings, METADATA)


def create_app(settings: HealthRecordsSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or HealthRecordsSettings()
    tracing.configure("health-records", settings)  # in each worker process uvicorn starts
    store = store_for(settings)
    app = app_of(ABOUT, ROUTERS, settings, store, clock)
    zone = settings.timezone
    app.state.zone = zone
    app.state.queries = Queries(store)
    app.state.records = Records(zone, settings.pseudonym_key.get_secret_value())
    app.state.delivery = Delivery(zone, settings.rating_window_days)
    app.state.devices = Devices(zone)
    engine = engine_for(settings)
    app.state.fulfilment = FulfilmentView(engine)
    app.state.appointments = appointments_for(settings)
    app.state.schedules = schedules_for(settings)
    app.state.appointment_views = AppointmentViews(store, zone)
    app.state.to_remind = appointment_book.ToRemind(engine)
    app.state.reading_alerts = reading_alert_reads.ReadingAlerts(engine)
    app.state.reading_views = ReadingViews(store, zone, resident_devices.ResidentDevices(engine).of)
    return app


def appointments_for(settings: HealthRecordsSettings) -> Appointments:
    return Appointments(settings.timezone, timedelta(minutes=settings.appointment_reminder_lead_minutes))


def schedules_for(settings: HealthRecordsSettings) -> Schedules:
    s = settings
    return Schedules(s.timezone, s.appointment_reserved_percent, s.appointment_cutoff_minutes)


def create_relay(settings: HealthRecordsSettings, store: EventStore | None = None) -> Relay:
    return relay_for(settings, store or store_for(settings), to_public, PUBLISHES)


def create_workers(settings: HealthRecordsSettings, clock: Clock = utc_now) -> list[KafkaSubscription | LogFollower]:
    """What `python -m fdcs project health-records` runs: signing's events turned into
    commands, and the read models (fulfilment, appointments to remind, reading alerts, residents'
    devices) following the service's own log."""
    store = store_for(settings)
    inbound = Inbound(load_norms(settings.plan_norms_file))
    processor = CommandProcessor(store, settings.command_batch_size)
    events = signing_events(inbound, processor, Erasures(store, processor, ERASURES, clock))
    ended = referral_events(appointments_for(settings), processor)

    def handle(deliveries: Sequence[Message]) -> None:
        """Each source to its own: a referral's end and a resident's contracts need no common order."""
        events.handle([d for d in deliveries if d.topic != topics.REFERRALS.name])
        ended.handle([d for d in deliveries if d.topic == topics.REFERRALS.name])

    read = [topics.CONTRACTS.name, topics.TEAMS.name, topics.REFERRALS.name]
    contracts = KafkaSubscription(settings, settings.consumer_group, read, handle, KafkaPublisher(settings))
    engine = engine_for(settings)
    alerts = reading_alerts.follower(store, engine, settings.timezone)
    devices = resident_devices.follower(store, engine)
    return [contracts, follower(store, engine), appointment_book.follower(store, engine), alerts, devices]


def migrate(settings: HealthRecordsSettings) -> None:
    store_for(settings).close()
    engine_for(settings).dispose()
