"""The public contracts, served by every service beside its API: the AsyncAPI document of every
topic and the JSON Schema of each public event, so a partner reads them from the platform it
connects to (no token: they hold no data)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response

from shared.contracts import schemas
from shared.web.problems import problem

ASYNCAPI = Path(schemas.__file__).with_name("asyncapi.json")


def contracts_router() -> APIRouter:
    router = APIRouter(tags=["contracts"])
    # Read once: a few hundred kB that change only with a release.
    asyncapi = ASYNCAPI.read_bytes()
    by_name = {p.name: p.read_bytes() for p in schemas.FOLDER.glob("*.schema.json")}

    @router.get("/asyncapi.json", summary="The AsyncAPI 3.0 document of every topic and event")
    async def document() -> Response:
        return Response(asyncapi, media_type="application/json")

    @router.get("/schemas/{name}", summary="One public event's JSON Schema (`<type>.schema.json`) or the envelope's")
    async def schema(name: str) -> Response:
        found = by_name.get(name)
        if found is None:
            return problem(404, "not-found", f"no schema {name[:100]!r}; the AsyncAPI document lists them all")
        return Response(found, media_type="application/schema+json")

    return router
