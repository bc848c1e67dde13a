"""The door of every service: who is calling and how much they send, decided before the body is read.

A request without a valid bearer token, on a route that needs one, is refused from its
headers alone: an anonymous client cannot make the service parse (or even receive) 100 MB.
A body is limited per route (`x-max-body-bytes` in the route's OpenAPI, else the setting):
refused at once when Content-Length says so, and as soon as a streamed body passes it.
The app never sees the rest: the server's parser discards it, so the connection stays usable
and a client that reads the early answer is not reset mid-send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Match

from shared.web.auth import TokenVerifier, _principal
from shared.web.problems import Problem, problem

LIMIT_KEY = "x-max-body-bytes"
_KNOWN = 4096


def body_limit(limit: int) -> dict[str, Any]:
    """`openapi_extra` for a route whose body may exceed the service's default limit."""
    return {LIMIT_KEY: limit}


@dataclass(frozen=True)
class Door:
    """What the guard knows of the app's routes: which need no token, which take larger bodies."""

    public: Sequence[BaseRoute]
    limits: Sequence[tuple[BaseRoute, int]]
    default_limit: int
    _known: dict[tuple[str, str, str], tuple[bool, int]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, included: Sequence[BaseRoute], default_limit: int) -> Door:
        # The app's routes as its routers declared them (service_app includes them without a prefix).
        routes = [context.original_route for context in iter_route_contexts(included)]
        api = [r for r in routes if isinstance(r, APIRoute)]
        public = [r for r in routes if not isinstance(r, APIRoute) or not _needs_token(r.dependant)]
        limits = [(r, int(r.openapi_extra[LIMIT_KEY])) for r in api if r.openapi_extra and LIMIT_KEY in r.openapi_extra]
        return cls(public, limits, default_limit)

    def at(self, scope: dict[str, Any]) -> tuple[bool, int]:
        """`is_public` and `limit` of a request, remembered by its method and path, all that a
        route's match reads: matching every public route's pattern again for each request was
        1.9% of a signing API's CPU. Forgotten at `_KNOWN` paths (a path may hold an id)."""
        key = (scope["method"], scope.get("root_path", ""), scope["path"])
        found = self._known.get(key)
        if found is None:
            if len(self._known) >= _KNOWN:
                self._known.clear()
            found = self._known[key] = (self.is_public(scope), self.limit(scope))
        return found

    def is_public(self, scope: dict[str, Any]) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self.public)

    def limit(self, scope: dict[str, Any]) -> int:
        return next((n for route, n in self.limits if route.matches(scope)[0] is Match.FULL), self.default_limit)


def _needs_token(dependant: Dependant) -> bool:
    return any(d.call is _principal or _needs_token(d) for d in dependant.dependencies)


class Guard:
    """ASGI middleware, outermost: refuses before the app (and its body parsing) runs."""

    def __init__(self, app: Any, door: Door, verifier: TokenVerifier) -> None:
        self.app, self.door, self.verifier = app, door, verifier

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            public, limit = self.door.at(scope)
            if not public:
                scope.setdefault("state", {})["principal"] = await self.verifier.verify_async(_bearer(scope))
            if _has_nul(scope):
                raise Problem(400, "nul-character", "the path and the query may not contain a NUL character")
            if int(_header(scope, b"content-length") or 0) > limit:
                raise _too_large(limit)
        except Problem as refused:
            await problem(refused.status, refused.code, refused.detail, refused.headers)(scope, receive, send)
            return
        except ValueError:
            await problem(400, "bad-content-length", "Content-Length must be a number")(scope, receive, send)
            return
        await _Limited(self.app, limit)(scope, receive, send)


class _Limited:
    """Counts a streamed body: past the limit, answers 413 itself and tells the app the client left."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit, self.received, self.refused, self.started = app, limit, 0, False, False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def counted() -> dict[str, Any]:
            if self.refused:
                return {"type": "http.disconnect"}
            message: dict[str, Any] = await receive()
            self.received += len(message.get("body", b""))
            if self.received > self.limit and not self.started:
                self.refused = True
                refused = _too_large(self.limit)
                await problem(413, refused.code, refused.detail, refused.headers)(scope, receive, send)
                return {"type": "http.disconnect"}
            return message

        async def guarded(message: dict[str, Any]) -> None:
            if self.refused:
                return  # the 413 was the answer; what the app says after is dropped
            self.started = True
            await send(message)

        await self.app(scope, counted, guarded)


def _too_large(limit: int) -> Problem:
    return Problem(413, "body-too-large", f"the request body may be at most {limit} bytes")


def _has_nul(scope: dict[str, Any]) -> bool:
    """No text a service keeps or looks up may hold NUL (PostgreSQL refuses it: a 500 deep in a query)."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


def _bearer(scope: dict[str, Any]) -> str:
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "missing-token", "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    return token.strip()
