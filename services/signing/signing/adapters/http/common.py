"""What every signing route shares: the documented problems, today's date, the application."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from shared.eventstore import EventStore
from shared.web.held import Held
from shared.web.openapi import problem_responses
from signing.adapters.projections.contract_index import ContractIndex
from signing.application.lifecycle import Lifecycle
from signing.application.signing import Signing
from signing.application.teams import Teams
from signing.domain.catalogue import Catalogue


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer, each as problem+json with an example."""
    shown = (400, 401, 403, 422, *statuses)
    return problem_responses(described={s: _TEXTS[s] for s in shown}, examples=_TYPES)


_TEXTS = {
    400: "Malformed request (JSON, If-Match, cursor)",
    401: "No valid bearer token",
    403: "Not allowed for this caller",
    404: "Not found",
    409: "Refused by a rule on the current state (team full, already contracted…)",
    412: "If-Match names a version that is no longer current",
    422: "Invalid, or refused by a rule (package not offered, bad identity number…)",
}
_TYPES = {
    400: "malformed-json",
    401: "missing-token",
    403: "forbidden",
    404: "contract-not-found",
    409: "team-full",
    412: "precondition-failed",
    422: "package-not-offered",
}


store = Held[EventStore]("store")


teams = Held[Teams]("teams")


signing = Held[Signing]("signing")


lifecycle = Held[Lifecycle]("lifecycle")


catalogue = Held[Catalogue]("catalogue")


index = Held[ContractIndex]("index")


def doctor_cap(request: Request) -> int:
    return int(request.app.state.doctor_cap)
