"""The OpenAPI documents every problem the shared plumbing answers, as problem+json."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Header
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from shared.web.openapi import documenting_problems
from shared.web.problems import MEDIA_TYPE


class Count(BaseModel):
    count: int


def command_app() -> FastAPI:
    app = FastAPI()

    @app.post("/things/{thing_id}", dependencies=[Depends(HTTPBearer())])
    async def update(
        thing_id: str,
        body: Count,
        key: Annotated[str, Header(alias="Idempotency-Key")],
        if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    ) -> Count:
        return body

    @app.get("/open")
    async def open_() -> Count:
        return Count(count=0)

    app.openapi = documenting_problems(app)  # type: ignore[method-assign]
    return app


def test_a_command_documents_every_problem_the_shared_plumbing_answers_as_problem_json() -> None:
    spec = command_app().openapi()

    responses = spec["paths"]["/things/{thing_id}"]["post"]["responses"]
    problems = {status for status, entry in responses.items() if MEDIA_TYPE in entry.get("content", {})}
    assert problems == {"400", "401", "403", "404", "409", "412", "413", "422"}
    assert "application/json" not in responses["422"]["content"]  # FastAPI's validation error: never sent
    assert spec["paths"]["/open"]["get"]["responses"].keys() == {"200"}
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
