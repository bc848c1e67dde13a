"""The fuzzer the services' tests run finds what it must: server errors, undocumented answers."""

from __future__ import annotations

from fastapi import FastAPI, Response
from pydantic import BaseModel

from shared.testing.fuzz import fuzzing


class Count(BaseModel):
    count: int


def flawed_app() -> FastAPI:
    app = FastAPI()

    @app.get("/fine", response_model=Count)
    async def fine() -> Count:
        return Count(count=1)

    @app.get("/broken/{name}")
    async def broken(name: str) -> Count:
        raise RuntimeError(name)

    @app.get("/lying", response_model=Count)
    async def lying() -> Response:
        return Response('{"count": "many"}', media_type="application/json")

    return app


def test_the_fuzzer_counts_server_errors_and_answers_the_schema_does_not_document() -> None:
    with fuzzing(flawed_app()) as fuzzer:
        tally = fuzzer.run([{}], {"name": "known"}, examples=3)

    assert tally.requests >= 7  # three of each operation, and a request breaking /broken's path
    assert tally.server_errors == tally.statuses[500] > 0
    assert {where.split(" [")[0] for where in tally.failures} == {"GET /broken/{name}", "GET /lying"}
    assert "curl" in tally.verdict()
