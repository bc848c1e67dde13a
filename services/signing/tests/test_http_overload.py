"""The signing API at its capacity (HTTP_MAX_IN_FLIGHT): a slow client holds the only slot, the
next caller gets a 503 problem with Retry-After, the probes still answer, and the slot comes
back when the slow client leaves."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from signing.bootstrap import create_app
from signing.settings import SigningSettings

Message = dict[str, Any]


async def call(
    app: Any,
    path: str,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: asyncio.Event | None = None,
) -> list[Message]:
    """One request straight into the ASGI app; with `body`, the client sends nothing until it is set, then leaves."""
    sent: list[Message] = []

    async def receive() -> Message:
        if body is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        await body.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": headers or [],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return sent


def status(sent: list[Message]) -> int:
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


def test_past_its_capacity_the_api_answers_503_with_retry_after_and_the_probes_still_pass(
    settings: SigningSettings, mint_token: Callable[..., str]
) -> None:
    app = create_app(settings.model_copy(update={"http_max_in_flight": 1, "http_max_queued": 0}))
    slow = [
        (b"authorization", f"Bearer {mint_token('admin')}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", b"100"),
        (b"idempotency-key", b"slow"),
    ]

    async def scenario() -> None:
        leaves = asyncio.Event()
        holding = asyncio.ensure_future(call(app, "/contracts", "POST", slow, leaves))
        await asyncio.sleep(0.05)
        refused = await call(app, "/openapi.json")
        assert status(refused) == 503
        headers = dict(refused[0]["headers"])
        assert headers[b"content-type"] == b"application/problem+json" and headers[b"retry-after"] == b"1"
        assert json.loads(refused[1]["body"])["type"] == "/problems/overloaded"
        assert status(await call(app, "/health/live")) == 200
        leaves.set()
        await asyncio.gather(holding, return_exceptions=True)
        assert status(await call(app, "/openapi.json")) == 200

    try:
        asyncio.run(scenario())
    finally:
        app.state.store.close()
        app.state.index.engine.dispose()
