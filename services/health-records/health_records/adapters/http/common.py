"""What every health-records route shares: the resident's ref in the path, the local date,
problem responses, and reads that are logged when a professional makes them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from pydantic_core import to_json

from health_records.application import access
from health_records.application.delivery import Delivery
from health_records.application.queries import Queries
from health_records.application.records import Records
from shared.principal import Principal
from shared.web.commands import present, run_command
from shared.web.held import Held
from shared.web.openapi import problem_responses

PROBLEMS = problem_responses(
    401,
    described={
        400: "Malformed request",
        403: "Not the resident, nor the team they are contracted with",
        404: "No such record, plan, visit or sickbed",
        409: "Refused by a rule or a concurrent update",
        412: "The record changed since the ETag in If-Match",
        422: "Invalid or refused by a rule",
    },
)


@dataclass(frozen=True)
class Days:
    """The local days `from` to `to` (the query's names), both included."""

    first: Annotated[date, Query(alias="from")]
    last: Annotated[date, Query(alias="to")]


ResidentRef = Annotated[
    str, Path(pattern=r"^r_[a-z2-7]{26}$", description="The resident's pseudonymous ref", examples=["r_" + "a" * 26])
]


queries = Held[Queries]("queries")


records = Held[Records]("records")


delivery = Held[Delivery]("delivery")


async def logged_read(
    request: Request, who: Principal, ref: str, what: str, query: Callable[[], Awaitable[dict[str, Any]]]
) -> Response:
    """Run the query (it decides access); log a professional's read before answering."""
    view = await query()
    if access.logs_reads(who):
        log = records(request).log_read(who, ref, what, request.app.state.real_clock())
        await run_command(request, who, f"read:{uuid.uuid4()}", log)
    if "version" in view:
        return present(view)
    return Response(to_json(view), 200, media_type="application/json")
