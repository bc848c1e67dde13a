"""Each request's correlation id (the caller's, if it is a plain id, else a new one) and trace
id, bound for the request's log lines and commands and echoed in `X-Correlation-Id`."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import logs


class Correlated:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        correlation = logs.correlation_id(headers.get("x-correlation-id"))

        async def echoing(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Correlation-Id"] = correlation
            await send(message)

        with logs.bound(correlation_id=correlation, trace_id=logs.trace_id(headers.get("traceparent"))):
            await self.app(scope, receive, echoing)
