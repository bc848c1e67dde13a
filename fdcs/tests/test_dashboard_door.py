"""The dashboard refuses a bad token itself, and its cache stays within its bound."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fdcs.dashboard.app import create_app
from fdcs.dashboard.settings import DashboardSettings


class CountingSources:
    """Stands for the appraisal and billing APIs: counts what the dashboard asks them."""

    def __init__(self) -> None:
        self.asked = 0

    async def overview(self, token: str, period: str, area: str, member: str | None = None) -> dict[str, Any]:
        self.asked += 1
        return {"period": period, "area": area}


@pytest.fixture
def dashboard(jwt_keys: Path) -> Iterator[tuple[TestClient, CountingSources]]:
    settings = DashboardSettings(auth_jwt_public_key_file=jwt_keys / "public.pem", cache_entries=3, cache_seconds=60)
    with TestClient(create_app(settings)) as client:
        sources = CountingSources()
        client.app.state.sources = sources  # type: ignore[attr-defined]
        yield client, sources


@pytest.mark.parametrize("authorization", ["Bearer garbage", "Bearer eyJhbGciOiJub25lIn0.e30.", "Basic abc", "Bearer "])
def test_a_bad_token_gets_401_without_asking_the_services(
    dashboard: tuple[TestClient, CountingSources], authorization: str
) -> None:
    client, sources = dashboard

    answer = client.get("/api/overview", headers={"Authorization": authorization})

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert sources.asked == 0


def test_the_cache_keeps_at_most_its_bound(
    dashboard: tuple[TestClient, CountingSources], mint_token: Callable[..., str]
) -> None:
    client, sources = dashboard
    official = {"Authorization": f"Bearer {mint_token('official', area='44')}"}

    for year in range(2020, 2030):
        assert client.get("/api/overview", params={"period": str(year)}, headers=official).status_code == 200
    assert client.get("/api/overview", params={"period": "2029"}, headers=official).status_code == 200

    assert len(client.app.state.answers) == 3  # type: ignore[attr-defined]
    assert sources.asked == 10  # the last question was answered from the cache
