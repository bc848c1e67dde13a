"""What every signing route shares: the documented problems, today's date, the application."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request

from shared.eventstore import EventStore
from signing.adapters.contract_index import ContractIndex
from signing.application.lifecycle import Lifecycle
from signing.application.signing import Signing
from signing.application.teams import Teams
from signing.domain.catalogue import Catalogue


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer, each as problem+json."""
    text = {
        400: "Malformed request (JSON, If-Match)",
        401: "No valid bearer token",
        403: "Not allowed for this caller",
        404: "Not found",
        409: "Refused by a rule on the current state (team full, already contracted…) or a lost race",
        412: "If-Match names a version that is no longer current",
        422: "Invalid request, or refused by a rule (package not offered, invalid identity number…)",
    }
    example = {"type": "/problems/team-full", "title": "Team full", "status": 409, "detail": "…"}
    return {
        s: {"description": text[s], "content": {"application/problem+json": {"example": example | {"status": s}}}}
        for s in (400, 401, 403, 422, *statuses)
    }


def today(request: Request) -> date:
    local: date = request.app.state.clock().astimezone(request.app.state.zone).date()
    return local


def store(request: Request) -> EventStore:
    return request.app.state.store  # type: ignore[no-any-return]


def teams(request: Request) -> Teams:
    return request.app.state.teams  # type: ignore[no-any-return]


def signing(request: Request) -> Signing:
    return request.app.state.signing  # type: ignore[no-any-return]


def lifecycle(request: Request) -> Lifecycle:
    return request.app.state.lifecycle  # type: ignore[no-any-return]


def catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue  # type: ignore[no-any-return]


def index(request: Request) -> ContractIndex:
    return request.app.state.index  # type: ignore[no-any-return]


def doctor_cap(request: Request) -> int:
    return int(request.app.state.doctor_cap)
