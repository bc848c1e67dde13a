"""Serving an app with uvicorn, with a deadline on reading each request.

uvicorn times out idle keep-alive connections only: a client that connects and sends
nothing, or half its headers, or a body one byte a minute, holds a connection (and, for a
body, the request's task) for ever. Its HTTP protocol (httptools) is extended here so that
a connection must send a whole request (headers and body) within `read_seconds` of
connecting or of the request's first byte, else it gets a 408 and is closed.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TOO_SLOW = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
    b'connection: close\r\ncontent-length: 95\r\n\r\n{"type":"/problems/request-timeout",'
    b'"title":"Request timeout","status":408,"detail":"too slow"}'
)


class ReadDeadline(HttpToolsProtocol):
    def __init__(self, *args: Any, read_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_seconds = read_seconds
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self._read_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(TOO_SLOW)
        self.transport.close()  # the app, if it was reading the body, sees the client leave


def serve(  # noqa: PLR0913
    app: str,
    host: str,
    port: int,
    read_seconds: float,
    keep_alive_seconds: int,
    workers: int = 1,
    log_config: dict[str, Any] | None = None,
) -> None:
    """Serve the app factory `module:function` (uvloop, httptools with a read deadline)."""
    protocol = cast(type[asyncio.Protocol], partial(ReadDeadline, read_seconds=read_seconds))
    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http=protocol,
        timeout_keep_alive=keep_alive_seconds,
        access_log=False,
        log_config=log_config,  # each worker process applies it: all log the same lines
    )
