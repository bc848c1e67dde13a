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


@router.get("/device-now")
async def device_now(request: Request) -> dict[str, str]:
    """A route the guard lets through without a bearer token: a device proves itself in the route."""
    return {"now": request.app.state.clock().isoformat()}


def test_a_request_without_a_bearer_token_sets_its_time_only_with_the_simulations_token_beside_it(
    client: Callable[[bool], TestClient], mint_token: Callable[..., str]
) -> None:
    """A device proves itself with its own secret: the simulation's token beside it lets it set its time."""
    device = {"Authorization": "Device some-secret"}
    simulation = mint_token("admin", simulation=True)
    beside = {"X-Simulation-Authorization": f"Bearer {simulation}"}

    allowed = client(True).get("/device-now", headers=device | MOMENT | beside)
    assert allowed.json() == {"now": "2026-03-04T10:00:00+08:00"}
    forged = {"X-Simulation-Authorization": f"Bearer {simulation[:-4]}AAAA"}
    not_the_simulation = {"X-Simulation-Authorization": f"Bearer {mint_token('admin')}"}
    for refused in ({}, not_the_simulation, forged, {"X-Simulation-Authorization": "Device x"}):
        answer = client(True).get("/device-now", headers=device | MOMENT | refused)
        assert (answer.status_code, answer.json()["type"]) == (403, "/problems/simulated-time-forbidden")
    person = {"Authorization": f"Bearer {mint_token('admin')}"}  # a bearer token is judged alone
    assert client(True).get("/now", headers=person | MOMENT | beside).status_code == 403
    not_simulated = client(False).get("/device-now", headers=device | MOMENT | beside)
    assert not_simulated.json() == {"now": "2026-11-26T00:00:00+00:00"}
