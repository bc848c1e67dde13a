"""A request may say what time it is, where the settings allow it, and only the simulation's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from shared.web.app import service_app
from shared.web.auth import CurrentPrincipal, TokenVerifier

router = APIRouter()
MOMENT = {"X-Simulated-Time": "2026-03-04T10:00:00+08:00"}


@router.get("/now")
async def now(request: Request, _: CurrentPrincipal) -> dict[str, str]:
    return {"now": request.app.state.clock().isoformat()}


@pytest.fixture
def client(jwt_keys: Path) -> Callable[[bool], TestClient]:
    verifier = TokenVerifier.from_file(jwt_keys / "public.pem", ["RS256"], "fdcs-dev", "fdcs")
    fixed = lambda: datetime(2026, 11, 26, tzinfo=UTC)  # noqa: E731
    return lambda allowed: TestClient(service_app("t", "t", [router], verifier, clock=fixed, simulated_clock=allowed))


def test_the_simulation_sets_its_time_only_where_allowed(
    client: Callable[[bool], TestClient], mint_token: Callable[..., str]
) -> None:
    simulation = {"Authorization": f"Bearer {mint_token('admin', simulation=True)}"}

    assert client(True).get("/now", headers=simulation | MOMENT).json() == {"now": "2026-03-04T10:00:00+08:00"}
    assert client(True).get("/now", headers=simulation).json() == {"now": "2026-11-26T00:00:00+00:00"}
    assert client(False).get("/now", headers=simulation | MOMENT).json() == {"now": "2026-11-26T00:00:00+00:00"}


@pytest.mark.parametrize("moment", ["2026-03-04T10:00:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"])
def test_a_simulated_time_without_zone_or_out_of_bounds_is_refused(
    moment: str, client: Callable[[bool], TestClient], mint_token: Callable[..., str]
) -> None:
    simulation = {"Authorization": f"Bearer {mint_token('admin', simulation=True)}"}

    refused = client(True).get("/now", headers=simulation | {"X-Simulated-Time": moment})

    assert (refused.status_code, refused.json()["type"]) == (400, "/problems/bad-simulated-time")


@pytest.mark.parametrize("claims", [{}, {"simulation": "true"}, {"simulation": 1}])
def test_no_other_caller_may_set_the_time_even_where_the_clock_is_simulated(
    claims: dict[str, object], client: Callable[[bool], TestClient], mint_token: Callable[..., str]
) -> None:
    """An official's, a doctor's or an admin's token cannot backdate what it does."""
    caller = {"Authorization": f"Bearer {mint_token('admin', **claims)}"}

    refused = client(True).get("/now", headers=caller | MOMENT)

    assert (refused.status_code, refused.json()["type"]) == (403, "/problems/simulated-time-forbidden")
