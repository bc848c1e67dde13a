"""What every signing route shares: the documented problems, today's date, the application."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from shared.eventstore import EventStore
from shared.web.held import Held
from signing.adapters.projections.contract_index import ContractIndex
from signing.application.lifecycle import Lifecycle
from signing.application.signing import Signing
from signing.application.teams import Teams
from signing.domain.catalogue import Catalogue


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer, each as problem+json."""
    return {s: _PROBLEMS[s] for s in (400, 401, 403, 422, *statuses)}


def _problem(status: int, code: str, text: str) -> dict[str, Any]:
    example = {"type": f"/problems/{code}", "title": code.replace("-", " ").capitalize(), "status": status}
    return {"description": text, "content": {"application/problem+json": {"example": example | {"detail": "…"}}}}


_PROBLEMS = {
    400: _problem(400, "malformed-json", "Malformed request (JSON, If-Match, cursor)"),
    401: _problem(401, "missing-token", "No valid bearer token"),
    403: _problem(403, "forbidden", "Not allowed for this caller"),
    404: _problem(404, "contract-not-found", "Not found"),
    409: _problem(409, "team-full", "Refused by a rule on the current state (team full, already contracted…)"),
    412: _problem(412, "precondition-failed", "If-Match names a version that is no longer current"),
    422: _problem(
        422, "package-not-offered", "Invalid, or refused by a rule (package not offered, bad identity number…)"
    ),
}


store = Held[EventStore]("store")


teams = Held[Teams]("teams")


signing = Held[Signing]("signing")


lifecycle = Held[Lifecycle]("lifecycle")


catalogue = Held[Catalogue]("catalogue")


index = Held[ContractIndex]("index")


def doctor_cap(request: Request) -> int:
    return int(request.app.state.doctor_cap)
