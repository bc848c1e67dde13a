"""One way to build every service's HTTP app: problems, auth, health and the command processor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypedDict, Unpack

from fastapi import APIRouter, FastAPI, Request, Response

from shared.collector import long_lived
from shared.commands import CommandProcessor
from shared.eventstore import EventStore
from shared.messaging.relay import RELAY
from shared.metrics.http import Timed, metrics_router
from shared.settings import ServiceSettings
from shared.web import problems
from shared.web.admission import Admission, Capacity
from shared.web.auth import TokenVerifier
from shared.web.auth import verifier_for as verifier_for  # where the services take it from
from shared.web.contracts import contracts_router
from shared.web.correlation import Correlated
from shared.web.guard import Door, Guard
from shared.web.openapi import documenting_problems
from shared.web.simulation import SimulatedTime, simulated
from shared.web.traced import Traced

Clock = Callable[[], datetime]
DEFAULT_CAPACITY = Capacity()


def utc_now() -> datetime:
    return datetime.now(UTC)


def today(request: Request) -> date:
    """The date where the service runs (its TIMEZONE), by the app's clock: what "today" means
    for a term's start, a deadline or a period."""
    local: date = request.app.state.clock().astimezone(request.app.state.zone).date()
    return local


def capacity_of(settings: ServiceSettings) -> Capacity:
    return Capacity(settings.http_max_in_flight, settings.http_max_queued, settings.http_queue_timeout_ms / 1000)


@dataclass(frozen=True)
class About:
    """What a service's OpenAPI says of it."""

    title: str
    description: str


class Lifecycle(TypedDict, total=False):
    readiness: Callable[[], object]
    """What the readiness probe checks (default: reading the store)."""
    closers: Sequence[Callable[[], object]]
    """What else the app holds (engines), released when it stops."""


def app_of(
    about: About,
    routers: list[APIRouter],
    settings: ServiceSettings,
    store: EventStore,
    clock: Clock,
    **lifecycle: Unpack[Lifecycle],
) -> FastAPI:
    """A service's app over its event store, set up from its settings as every service's is: the
    token verifier, the command processor, the simulated clock, the body limit and the capacity."""
    return service_app(
        about.title,
        about.description,
        routers,
        verifier_for(settings),
        store,
        CommandProcessor(store, settings.command_batch_size),
        clock,
        simulated_clock=settings.simulated_clock,
        max_body_bytes=settings.http_max_body_bytes,
        capacity=capacity_of(settings),
        **lifecycle,
    )


def service_app(  # noqa: PLR0913
    title: str,
    description: str,
    routers: list[APIRouter],
    verifier: TokenVerifier,
    store: EventStore | None = None,
    processor: CommandProcessor | None = None,
    clock: Clock = utc_now,
    readiness: Callable[[], object] | None = None,
    closers: Sequence[Callable[[], object]] = (),
    simulated_clock: bool = False,
    max_body_bytes: int = 1_048_576,
    capacity: Capacity = DEFAULT_CAPACITY,
) -> FastAPI:
    """`readiness` checks the service's dependencies (defaults to reading the store);
    `closers` release what else the app holds (engines) when it stops; `simulated_clock`
    lets the simulation's requests say what time it is (`X-Simulated-Time`, development and
    tests only); `max_body_bytes` limits a request's body where its route sets no limit;
    `capacity` bounds the requests in flight (beyond it, 503 with Retry-After)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        long_lived()
        if processor is not None:
            processor.start()
        yield
        if processor is not None:
            await processor.stop()
        if store is not None:  # the loop ends here: so do its connections (else held until exit)
            await store.aclose()
        for close in closers:
            close()

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan)
    app.state.verifier, app.state.store, app.state.processor = verifier, store, processor
    app.state.clock = simulated(clock) if simulated_clock else clock
    app.state.real_clock = clock  # what no request can set: for the logs a simulated time must not hide
    if simulated_clock:
        app.add_middleware(SimulatedTime, verifier=verifier)
    app.openapi = documenting_problems(app)  # type: ignore[method-assign]
    problems.install(app)
    app.include_router(_health_router(readiness or (store.last_position if store else None)))
    app.include_router(_outbox_router(store))
    for router in routers:
        app.include_router(router)
    app.include_router(metrics_router())  # public: Door.of finds it needs no token
    app.include_router(contracts_router())  # public too: what partners build their consumers from
    # The guard checks the token and the body's size before anything reads the body.
    app.add_middleware(Guard, door=Door.of(app.routes, max_body_bytes), verifier=verifier)
    # Outside the guard: past capacity, a request costs no token verification either.
    app.add_middleware(Admission, capacity=capacity)
    app.add_middleware(Timed, routes=app.routes)  # outside the guard and admission: their refusals are timed too
    app.add_middleware(Traced, routes=app.routes)  # a request's span covers its wait for admission too
    app.add_middleware(Correlated)  # outermost: every line logged for the request carries its ids
    return app


def _health_router(readiness: Callable[[], object] | None) -> APIRouter:
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "up"}

    @router.get("/ready", summary="The service can reach its store", responses={503: {}})
    async def ready(response: Response) -> dict[str, str]:
        if readiness is None:
            return {"status": "ready"}
        try:
            await asyncio.to_thread(readiness)
        except Exception as down:
            response.status_code = 503
            return {"status": "unavailable", "reason": type(down).__name__}
        return {"status": "ready"}

    return router


def _outbox_router(store: EventStore | None) -> APIRouter:
    router = APIRouter(prefix="/health", tags=["health"])
    if store is None:  # a service without an event log (the dashboard) has no outbox
        return router

    @router.get("/outbox", summary="How far the relay has published the service's event log")
    async def outbox() -> dict[str, int]:
        """Positions only (no event): an operator, or a job that must not run before the events
        recorded so far are on Kafka (a period's close, the simulation's), waits until
        `published_through` reaches the `log_end` it read first."""
        log_end, published = await asyncio.to_thread(lambda: (store.last_position(), store.tracked(RELAY)))
        return {"log_end": log_end, "published_through": published}

    return router
