"""Every error as an RFC 9457 problem (`application/problem+json`), mapped in one place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from shared.commands import ConcurrencyConflict, IdempotencyKeyReused, PreconditionFailed
from shared.domain import DomainError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
_STATUS_OF_KIND = {"not_found": 404, "invalid": 422, "conflict": 409, "forbidden": 403}


class Problem(Exception):
    """Raise from adapters for an HTTP-level problem (missing header, bad token…)."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": f"/problems/{code}",
        "title": code.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _invalid(exc: RequestValidationError) -> JSONResponse:
    # Keep what helps the caller; the raw input and exception objects may not serialise.
    errors = [{"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        return problem(400, "malformed-json", "the request body is not valid JSON", errors=errors)
    return problem(422, "invalid-request", "the request does not match its schema", errors=errors)


def _store_down(exc: Exception) -> JSONResponse:
    log.error("store unavailable: %s", type(exc).__name__)  # its text may quote the statement's values
    return problem(503, "store-unavailable", "the service's store is unavailable; retry", {"Retry-After": "1"})


_RENDER: dict[type[Exception], Callable[[Any], JSONResponse]] = {
    Problem: lambda e: problem(e.status, e.code, e.detail, e.headers),
    DomainError: lambda e: problem(_STATUS_OF_KIND[e.kind], e.code, str(e)),
    RequestValidationError: _invalid,
    PreconditionFailed: lambda e: problem(412, "precondition-failed", str(e), current_version=e.actual),
    ConcurrencyConflict: lambda e: problem(409, "concurrent-update", str(e)),
    IdempotencyKeyReused: lambda e: problem(422, "idempotency-key-reused", str(e)),
    PersistenceError: _store_down,
    # The database away (shut down, restarting, unreachable) or the pool empty: as the store's own.
    psycopg.OperationalError: _store_down,
    sqlalchemy.exc.OperationalError: _store_down,
    sqlalchemy.exc.InterfaceError: _store_down,
    sqlalchemy.exc.TimeoutError: _store_down,
    HTTPException: lambda e: problem(e.status_code, "http-error", str(e.detail)),
}


def install(app: FastAPI) -> None:
    """Register the handlers: a bad request is a 4xx with a body, never a 500."""
    for exception, render in _RENDER.items():
        app.add_exception_handler(exception, _handler(render))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "an unexpected error occurred; it has been logged")


def _handler(render: Callable[[Any], JSONResponse]) -> Callable[[Request, Any], Awaitable[Response]]:
    async def handle(_: Request, exc: Any) -> Response:
        return render(exc)

    return handle
