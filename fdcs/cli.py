"""`python -m fdcs …`: the platform's processes and developer tools."""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fdcs.scheduler import JOBS
from fdcs.services import SERVICES
from shared import logs, tracing
from shared.collector import long_lived
from shared.contracts import topics
from shared.metrics.workers import serve_metrics

if TYPE_CHECKING:
    from shared.settings import ServiceSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fdcs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add(commands, "run", "the whole platform on embedded defaults (make run)", _run)
    for name, help_, action in (
        ("serve", "serve one service's HTTP API", _serve),
        ("relay", "relay one service's events to Kafka", _relay),
        ("project", "run one service's projections", _project),
        ("migrate", "create one service's tables", _migrate),
    ):
        sub = _add(commands, name, help_, action)
        sub.add_argument("service", choices=sorted(SERVICES))
    rebuild = _add(commands, "rebuild", "rebuild one service's view from its own event log", _rebuild)
    rebuild.add_argument("service", choices=sorted(n for n, s in SERVICES.items() if s.rebuilds))
    backup = _add(commands, "backup", "dump one service's store (pg_dump of its schema)", _backup)
    restore = _add(commands, "restore", "restore one service's store from a dump; its processes stopped", _restore)
    for sub in (backup, restore):
        sub.add_argument("service", choices=sorted(SERVICES))
        sub.add_argument("file", type=Path)
    restore.add_argument("--margin-minutes", type=float, default=10, help="how far before the dump groups go back")
    simulate = _add(commands, "simulate", "drive a county's year through the platform's APIs", _simulate)
    simulate.add_argument("--residents", type=int, default=20_000)
    simulate.add_argument("--year", type=int, default=2026)
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--concurrency", type=int, default=16)
    simulate.add_argument("--fresh", action="store_true", help="start again instead of resuming")
    letters = _add(commands, "dead-letters", "a consumer group's dead letters: list, replay or discard", _dead_letters)
    letters.add_argument("group", help="the consumer group, as in its CONSUMER_GROUP setting")
    letters.add_argument("operation", choices=["list", "replay", "discard"])
    letters.add_argument(
        "--offset", type=int, action="append", help="a letter (repeat; replay: default every open one)"
    )
    _add(commands, "dashboard", "serve the officials' dashboard", _dashboard)
    schedule = _add(commands, "schedule", "run a scheduled job once (a CronJob's command)", _schedule)
    schedule.add_argument("job", choices=sorted(JOBS), help="; ".join(f"{k}: {v}" for k, v in JOBS.items()))
    _add(commands, "topics", "create every Kafka topic the platform uses", _topics)
    _add(
        commands,
        "contracts",
        "write the public events' JSON Schemas, the event catalogue and the settings table",
        _contracts,
    )
    _add(commands, "keys", "create the development JWT key pair", lambda _: _keys())
    token = _add(commands, "token", "mint a development bearer token", _token)
    token.add_argument(
        "--role",
        required=True,
        choices=["resident", "family_doctor", "hospital", "insurance_bureau", "official", "admin"],
    )
    for claim in ("sub", "team", "institution", "hospital", "bureau", "area", "resident", "identity-number"):
        token.add_argument(f"--{claim}")
    token.add_argument("--hours", type=float, default=12)
    args = parser.parse_args(argv)
    # Plain lines for the tools a person runs; a service's processes switch to its LOG_FORMAT.
    logging.config.dictConfig(logs.config("fdcs", fmt="text"))
    result: int = args.action(args) or 0
    return result


def _add(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_: str,
    action: Callable[[argparse.Namespace], int | None],
) -> argparse.ArgumentParser:
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help_)
    sub.set_defaults(action=action)
    return sub


def _run(_: argparse.Namespace) -> int:
    from fdcs.launcher import run_platform

    return run_platform()


def _serve(args: argparse.Namespace) -> None:
    from shared.web.serving import serve

    service = SERVICES[args.service]
    settings = service.settings()
    serve(
        service.app_factory,
        settings.http_host,
        settings.http_port,
        settings.http_read_seconds,
        settings.http_keep_alive_seconds,
        settings.http_workers,
        logs.config(service.name, settings.log_level, settings.log_format),
    )


def _dashboard(_: argparse.Namespace) -> None:
    from fdcs.dashboard.settings import DashboardSettings
    from shared.web.serving import serve

    settings = DashboardSettings()
    serve(
        "fdcs.dashboard.bootstrap:create_app",
        settings.http_host,
        settings.http_port,
        settings.http_read_seconds,
        settings.http_keep_alive_seconds,
        log_config=logs.config("dashboard", settings.log_level, settings.log_format),
    )


def _relay(args: argparse.Namespace) -> None:
    import psycopg

    from shared.messaging.relay import RELAY

    service = SERVICES[args.service]
    settings = _in_background(service.settings())
    _log_as(service.name, settings)
    tracing.configure(service.name, settings)
    relay = service.bootstrap().create_relay(settings)
    stop = _stop_on_signals()
    serve_metrics(settings)  # the standby replica too: it shows it is up, and its lag of 0
    store = relay.store
    long_lived()
    while not stop.is_set():  # the lock is taken again after the database restarted, say
        try:
            with store.exclusive(RELAY) as held:
                logging.info("%s relay publishing from schema %s", service.name, settings.database_schema)
                relay.run(stop, settings.relay_idle_seconds, held)
        except psycopg.OperationalError as away:
            logging.warning(
                "%s relay cannot take the store's lock: %s; trying again", service.name, type(away).__name__
            )
            stop.wait(1.0)


def _project(args: argparse.Namespace) -> None:
    """The service's background workers (projections, consumers), each in its own thread."""
    service = SERVICES[args.service]
    settings = _in_background(service.settings())
    _log_as(service.name, settings)
    tracing.configure(service.name, settings)
    stop = _stop_on_signals()
    serve_metrics(settings)
    workers = [
        threading.Thread(target=w.run, args=(stop,), name=type(w).__name__)
        for w in service.bootstrap().create_workers(settings)
    ]
    long_lived()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _log_as(service: str, settings: ServiceSettings) -> None:
    logging.config.dictConfig(logs.config(service, settings.log_level, settings.log_format))


def _in_background(settings: S) -> S:
    """A relay's or workers' settings: unless DATABASE_PRE_PING is set, no check of a pooled
    connection before each use. A loop that retries a failed batch loses nothing by one failing
    on a connection the database dropped, and the check cost every look at the log a round trip."""
    if "DATABASE_PRE_PING" in os.environ:
        return settings
    return settings.model_copy(update={"database_pre_ping": False})


S = TypeVar("S", bound="ServiceSettings")


def _migrate(args: argparse.Namespace) -> None:
    service = SERVICES[args.service]
    settings = service.settings(database_create_tables=True)
    _log_as(service.name, settings)
    service.bootstrap().migrate(settings)
    logging.info("%s: tables are in place in %s", service.name, settings.database_schema)


def _rebuild(args: argparse.Namespace) -> None:
    service = SERVICES[args.service]
    settings = service.settings()
    _log_as(service.name, settings)
    logging.info("%s: rebuilding the view in %s from the event log", service.name, settings.database_schema)
    rebuilding = service.rebuilding()
    assert rebuilding is not None, "the argument's choices are the services that rebuild"
    rebuilding.rebuild(settings)
    logging.info("%s: the view is rebuilt", service.name)


def _backup(args: argparse.Namespace) -> None:
    from fdcs.backups import backup

    service = SERVICES[args.service]
    logging.info("%s: backed up to %s", service.name, backup(service.settings(), args.file))


def _restore(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from fdcs.backups import restore

    service = SERVICES[args.service]
    done = restore(service, service.settings(), args.file, timedelta(minutes=args.margin_minutes))
    logging.info("%s: restored the store as it was at %s", service.name, done.taken_at.isoformat())
    for group, topics_ in done.replayed.items():
        logging.info("%s: consumer group %s reads again %s", service.name, group, topics_ or "nothing")
    for what, count in done.done_again.items():
        logging.info("%s: %s: %d", service.name, what, count)


def _simulate(args: argparse.Namespace) -> int:
    from fdcs.simulation.runner import main as run

    return run(args.residents, args.year, args.seed, args.concurrency, args.fresh)


def _schedule(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from fdcs.scheduler import SchedulerSettings, main

    settings = SchedulerSettings()
    logging.config.dictConfig(logs.config("scheduler", settings.log_level, settings.log_format))
    return main(settings, datetime.now(UTC), args.job)


def _topics(_: argparse.Namespace) -> None:
    from shared.messaging import ensure_topics
    from shared.settings import ServiceSettings

    ensure_topics(ServiceSettings(), topics.ALL)


def _dead_letters(args: argparse.Namespace) -> int:
    """Run with the group's service's settings (its Kafka user may write the group's dead letters)."""
    from shared.messaging import KafkaSubscription
    from shared.messaging import dead_letters as letters
    from shared.settings import ServiceSettings

    service = next((s for s in SERVICES.values() if args.group.startswith(f"{s.package}.")), None)
    settings = service.settings() if service else ServiceSettings()
    if args.operation == "list":
        print(letters.HEADING)
        for letter in letters.dead_letters_of(settings, args.group):
            print(letter.line())
        return 0
    if args.operation == "discard":
        if not args.offset:
            print("discard: name the letters with --offset")
            return 2
        print(f"discarded: {letters.discard(settings, args.group, args.offset)}")
        return 0
    workers = service.bootstrap().create_workers(settings) if service else []
    handler = next((w.handle for w in workers if isinstance(w, KafkaSubscription) and w.group == args.group), None)
    if handler is None:
        print(f"replay: no consumer of this platform reads as group {args.group!r}")
        return 2
    done, failed = letters.replay(settings, args.group, handler, args.offset)
    print(f"replayed: {done}")
    for offset, why in failed.items():
        print(f"still failing: {offset}\t{why}")
    return 1 if failed else 0


def _contracts(_: argparse.Namespace) -> None:
    from fdcs import reference, stored_events
    from shared.contracts import schemas

    for path in [*schemas.write(), *reference.write(), *stored_events.write()]:
        print(path)


def _keys() -> None:
    from shared.devkeys import ensure_keys

    print(ensure_keys())


def _token(args: argparse.Namespace) -> None:
    from shared.devkeys import ensure_keys, mint

    ensure_keys()
    resident = args.resident
    if args.identity_number:
        from shared.pseudonyms import resident_ref
        from shared.settings import ServiceSettings

        resident = resident_ref(args.identity_number, ServiceSettings().pseudonym_key.get_secret_value())
    claims = {
        "sub": args.sub or f"dev-{args.role}",
        "role": args.role,
        "team": args.team,
        "institution": args.institution,
        "hospital": args.hospital,
        "bureau": args.bureau,
        "area": args.area,
        "resident": resident,
    }
    print(mint(claims, hours=args.hours))


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop
