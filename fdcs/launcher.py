"""`make run`: PostgreSQL, a Kafka broker, every service, relay and projection, as child processes.

One line per service says where it listens; Ctrl-C stops everything it started. PostgreSQL
keeps its data in `.local/postgres/run` between runs; a DATABASE_URL given wins over it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from fdcs.services import SERVICES, Service
from fdcs.simulation.area import partners
from fdcs.simulation.claims import SOURCE, ClaimsSource
from shared.devkeys import ensure_keys, mint
from shared.messaging import KafkaPublisher
from shared.servers import free_port
from shared.servers.broker import PlatformKafka, platform_kafka
from shared.servers.postgres import new_database, postgres
from shared.servers.principals import partner_user

T = TypeVar("T")
Running = list[tuple[str, subprocess.Popen[bytes]]]  # what the launcher started, by name
DATA = Path(".local")
LOGS = DATA / "logs"
# Measured on the embedded broker: groups join in ~1 s with these, 5-23 s with defaults.


def run_platform() -> int:
    if taken := [port for port in _fixed_ports() if not _port_free(port)]:
        # Else this platform would wait on, and print, another's services (another `make run`).
        print(f"ports {taken} are in use (another `make run`?): stop what holds them, then try again")
        return 1
    # Ctrl-C, or a TERM from a supervisor; set explicitly because a shell starts a
    # background job with SIGINT ignored, and Python would keep it that way.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    LOGS.mkdir(parents=True, exist_ok=True)
    ensure_keys()
    children: Running = []  # watched: one exiting stops all
    background: Running = []  # the simulation ends on its own
    with ExitStack() as servers:  # stopped last, after every process that uses them
        servers.callback(print, "stopped everything")
        try:
            kafka = _servers(servers)
            env = {**os.environ, **kafka.timing(), "DATABASE_CREATE_TABLES": "false", "SIMULATED_CLOCK": "true"}
            for service in SERVICES.values():
                _start(service, env | kafka.environment(service.name), children)
            for service in SERVICES.values():
                port = service.settings().http_port
                _wait_ready(port)
                print(f"{service.name:<15} http://127.0.0.1:{port}   docs http://127.0.0.1:{port}/docs")
            _dashboard(env, children)
            _print_help()
            _simulate_in_background(env | claims_source_environment(kafka), background)
            return _watch(children)
        except KeyboardInterrupt:
            return 0
        finally:
            _stop(background + children)
            print("stopping the servers", flush=True)


def _servers(servers: ExitStack) -> PlatformKafka:
    """PostgreSQL with the stores migrated, and Kafka with the partners onboarded, each stopped
    when `servers` closes; DATABASE_URL set for all. Kafka's JVM starts meanwhile, in a thread."""
    started = time.monotonic()
    kafka_starting = _in_background(servers, platform_kafka(DATA / "kafka" / "run", 9092 if _port_free(9092) else None))
    database = new_database(servers.enter_context(postgres(DATA / "postgres" / "run")), "fdcs")
    os.environ["DATABASE_URL"] = database  # every service's settings read it, here and in the children
    print(f"{'postgresql':<15} 127.0.0.1:{urlsplit(database).port}  ({time.monotonic() - started:.1f} s)")
    for service in SERVICES.values():  # as the migrate Job does in production, before anything starts
        service.bootstrap().migrate(service.settings(database_create_tables=True))
    kafka = kafka_starting.result()
    onboard_simulated_partners(kafka)
    print(f"{'kafka':<15} {kafka.bootstrap}  ({kafka.name}; {time.monotonic() - started:.1f} s)")
    return kafka


def _in_background(servers: ExitStack, server: AbstractContextManager[T]) -> Future[T]:
    """Enter `server` in a thread, so it starts while others do; it leaves with `servers`."""
    pool = ThreadPoolExecutor(1)
    entered = pool.submit(server.__enter__)

    def leave() -> None:
        if entered.exception() is None:  # waits for the start to end, however it ends
            server.__exit__(None, None, None)
        pool.shutdown()

    servers.callback(leave)
    return entered


def onboard_simulated_partners(kafka: PlatformKafka) -> None:
    """The simulated county's hospitals and bureau, as provincial IT onboards partners, and the
    bureau's claims system: the claims source the simulation writes its outpatient claims as."""
    secondary, tertiary, bureau = partners()
    for hospital in secondary + tertiary:
        kafka.onboard("hospital", hospital)
    kafka.onboard("bureau", bureau)
    kafka.onboard("claims", bureau)


def claims_source_environment(kafka: PlatformKafka) -> dict[str, str]:
    """What the simulation needs to write as the claims source: its id, its own Kafka user."""
    source = partners()[2]
    return kafka.environment(partner_user("claims", source)) | {SOURCE: source}


def simulated_claims_source(kafka: PlatformKafka) -> ClaimsSource:
    """The claims source, for a simulation run in this process (the tests')."""
    source = partners()[2]
    return ClaimsSource(source, KafkaPublisher(kafka.settings(partner_user("claims", source))))


def _spawn(name: str, arguments: list[str], env: dict[str, str], running: Running) -> None:
    """`python -m fdcs <arguments>`, listed in `running` before Ctrl-C can come between the two
    (an unlisted child would outlive the platform)."""
    log = open(LOGS / f"{name.replace(' ', '.')}.log", "ab")  # noqa: SIM115
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "fdcs", *arguments], env=env, stdout=log, stderr=log, start_new_session=True
        )
        running.append((name, process))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _dashboard(env: dict[str, str], running: Running) -> None:
    # A development platform: the official's token comes in the link it prints (production signs
    # in with the province's identity provider instead; see deploy/k8s/README.md).
    _spawn("dashboard", ["dashboard"], env | {"DASHBOARD_TOKEN_IN_LINK": "true"}, running)
    _wait_ready(port := _dashboard_port())
    official = mint({"sub": "dev-official", "role": "official", "area": "44"})
    print(f"{'dashboard':<15} http://127.0.0.1:{port}/#token={official}")


def _simulate_in_background(env: dict[str, str], running: Running) -> None:
    """A small county's year, so the dashboard has something to show; SIMULATE_RESIDENTS=0 turns it off."""
    residents = int(os.environ.get("SIMULATE_RESIDENTS", "2000"))
    if residents > 0:
        _spawn("simulation", ["simulate", "--residents", str(residents)], env, running)
        print(f"simulating a county of {residents:,} residents in the background: {LOGS}/simulation.log")


def _start(service: Service, env: dict[str, str], running: Running) -> None:
    roles = ["serve"] + (["relay"] if service.relays else []) + (["project"] if service.projects else [])
    for role in roles:
        # Workers serve /metrics on a port of their own (their log says which); APIs on theirs.
        metrics = {} if role == "serve" else {"METRICS_PORT": str(free_port())}
        _spawn(f"{service.name} {role}", [role, service.name], env | metrics, running)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _watch(children: Running) -> int:
    while True:
        for name, process in children:
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; see {LOGS}/")
                return 1
        time.sleep(0.5)


def _stop(children: Running) -> None:
    for _, process in children:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for _, process in children:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing became ready on port {port}; see {LOGS}/")


def _fixed_ports() -> list[int]:
    """The APIs' ports and the dashboard's: the addresses `make run` prints."""
    return [*(service.settings().http_port for service in SERVICES.values()), _dashboard_port()]


def _dashboard_port() -> int:
    from fdcs.dashboard.settings import DashboardSettings

    return DashboardSettings().http_port


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _print_help() -> None:
    print(
        f"""
logs in {LOGS}/; Ctrl-C stops everything.
Mint a development token, then call the APIs, for example:
  TOKEN=$(.venv/bin/python -m fdcs token --role admin)
  curl -s -X POST http://127.0.0.1:8001/teams -H "Authorization: Bearer $TOKEN" \\
       -H 'Idempotency-Key: team-1' -H 'Content-Type: application/json' \\
       -d '{{"team_id":"T1","name":"Team 1","institution_id":"CHC-1","institution_kind":"community_health_centre",
            "area_code":"440106","members":[{{"member_id":"doc-1","role":"family_doctor"}}],"resident_cap":2000}}'
  curl -s -X POST http://127.0.0.1:8001/contracts -H "Authorization: Bearer $TOKEN" \\
       -H 'Idempotency-Key: contract-1' -H 'Content-Type: application/json' \\
       -d '{{"resident":{{"identity_number":"11010519491231002X","name":"Li Hua","area_code":"440106"}},
            "team_id":"T1","packages":["basic"]}}'
  curl -s http://127.0.0.1:8004/teams/T1/contracts-signed -H "Authorization: Bearer $TOKEN"
Token options: python -m fdcs token --help (roles: resident, family_doctor, hospital,
insurance_bureau, official, admin).
""",
        flush=True,
    )
