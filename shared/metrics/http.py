"""HTTP metrics of an app and its `GET /metrics` (Prometheus text format, no token).

The route label is the template the request matched (`/teams/{team_id}`), so ids never become
labels; a request no route matched (a 404, a probe for `/wp-admin`) counts as `unmatched`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import BaseRoute, Match

from shared.metrics import HTTP_SECONDS
from shared.web.problems import problem

UNMATCHED = "unmatched"
PROXIED = {"x-forwarded-for", "forwarded", "x-real-ip"}
# The method is the client's to choose: anything else is one label, not one per spelling.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def metrics_router() -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Counts and timings only: no label names a person, a team or an id. Still, for
        Prometheus only: a request that came through a proxy (the ingress adds X-Forwarded-For,
        which a client cannot take away) is answered as if there were no such page."""
        if PROXIED & set(request.headers.keys()):
            return problem(404, "not-found", "no such page")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def instrument(app: FastAPI) -> None:
    """Serve `/metrics` and time every request (an app without a guard: the services' apps are
    instrumented by `service_app`, around their guard)."""
    app.include_router(metrics_router())
    app.add_middleware(Timed, routes=app.routes)


class Timed:
    """ASGI middleware: one observation per HTTP request, labelled by its route's template."""

    def __init__(self, app: Any, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = unfolded(routes)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500  # an exception that escapes is answered 500

        async def noted(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            route = template(self.routes, scope)
            HTTP_SECONDS.labels(method_of(scope), route, str(status)).observe(time.perf_counter() - started)


def template(routes: Sequence[BaseRoute], scope: dict[str, Any]) -> str:
    """The template of the route a request matched, or `unmatched`."""
    # The router leaves the route it chose in the scope; a request refused before routing
    # (no token, too large) is matched here, as the router would have.
    route = scope.get("route") or next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def method_of(scope: dict[str, Any]) -> str:
    method: str = scope["method"]
    return method if method in METHODS else "other"


def unfolded(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    return [context.original_route for context in iter_route_contexts(routes)]  # routers unfolded
