"""A server span for each HTTP request (when tracing is on): a child of the caller's
`traceparent`, named by the method and the route's template, never the path (ids stay out of
span names, as they stay out of metric labels). The commands the request runs are its children."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.trace import SpanKind
from starlette.datastructures import Headers
from starlette.routing import BaseRoute

from shared import tracing
from shared.metrics.http import method_of, template, unfolded


class Traced:
    def __init__(self, app: Any, routes: Sequence[BaseRoute]) -> None:
        self.app, self.routes = app, unfolded(routes)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not tracing.enabled():
            await self.app(scope, receive, send)
            return
        status = 500  # an exception that escapes is answered 500
        method = method_of(scope)

        async def noted(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        caller = tracing.remote(Headers(scope=scope))
        with tracing.span(method, SpanKind.SERVER, caller, attributes={"http.request.method": method}) as span:
            assert span is not None
            try:
                await self.app(scope, receive, noted)
            finally:
                route = template(self.routes, scope)
                span.update_name(f"{method} {route}")
                span.set_attributes({"http.route": route, "http.response.status_code": status})
                if status >= 500:
                    tracing.failed(span, str(status))
