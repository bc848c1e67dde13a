"""A request may say what time it is, where the settings allow it (the simulation)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from shared.web.app import service_app
from shared.web.auth import TokenVerifier

router = APIRouter()


@router.get("/now")
async def now(request: Request) -> dict[str, str]:
    return {"now": request.app.state.clock().isoformat()}


def client(allowed: bool) -> TestClient:
    verifier = TokenVerifier("unused", ["RS256"], "fdcs-dev", "fdcs")
    fixed = lambda: datetime(2026, 11, 26, tzinfo=UTC)  # noqa: E731
    return TestClient(service_app("t", "t", [router], verifier, clock=fixed, simulated_clock=allowed))


def test_a_request_sets_its_simulated_time_only_where_allowed() -> None:
    header = {"X-Simulated-Time": "2026-03-04T10:00:00+08:00"}

    assert client(True).get("/now", headers=header).json() == {"now": "2026-03-04T10:00:00+08:00"}
    assert client(True).get("/now").json() == {"now": "2026-11-26T00:00:00+00:00"}
    assert client(False).get("/now", headers=header).json() == {"now": "2026-11-26T00:00:00+00:00"}
    refused = client(True).get("/now", headers={"X-Simulated-Time": "2026-03-04T10:00:00"})
    assert (refused.status_code, refused.json()["type"]) == (400, "/problems/bad-simulated-time")
