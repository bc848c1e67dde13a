"""What a refused input looks like from outside: a 4xx problem, and a connection that still serves."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shared.web.problems import MEDIA_TYPE


def refused(client: TestClient, response: Any, status: int, code: str | None = None) -> None:
    """`response` is the problem `status` (of type `code`, if given), and the client's next request
    is served: an unexpected error would have been a 500 closing the caller's keep-alive connection."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    if code is not None:
        assert response.json()["type"] == f"/problems/{code}", response.text
    assert client.get("/health/live").status_code == 200
