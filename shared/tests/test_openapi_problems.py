"""The OpenAPI documents every problem the shared plumbing answers, as problem+json."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Header
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from shared.web.openapi import documenting_problems, problem_responses
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


def test_problem_responses_take_the_standard_text_unless_the_service_gives_its_own() -> None:
    responses = problem_responses(401, 403, described={403: "Not the resident", 409: "Team full"})

    assert {status: entry["description"] for status, entry in responses.items()} == {
        401: "No valid bearer token",
        403: "Not the resident",
        409: "Team full",
    }
    assert all(entry["content"] == {MEDIA_TYPE: {}} for entry in responses.values())


def test_a_problem_type_gives_an_example_body() -> None:
    entry = problem_responses(409, examples={409: "team-full"})[409]

    example = entry["content"][MEDIA_TYPE]["example"]
    assert example == {"type": "/problems/team-full", "title": "Team full", "status": 409, "detail": "…"}
