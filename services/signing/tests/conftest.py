from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.readmodels import LogFollower
from signing.bootstrap import create_app, index_follower
from signing.domain.identity import with_check_digit
from signing.settings import SigningSettings

NOW = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)  # already 1 March in China


class Clock:
    """The app's clock, moved by the test (time never comes from the wall in tests)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date) -> None:
        """Noon of `day` in China."""
        self.now = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


class Api:
    """The signing API as a client sees it, with the bearer token of a role."""

    def __init__(self, client: TestClient, mint: Callable[..., str], clock: Clock, follower: LogFollower) -> None:
        self.client, self._mint, self.clock, self._follower = client, mint, clock, follower
        self.admin = self.as_("admin")

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, **claims)}"}

    def post(
        self, path: str, body: Any, who: dict[str, str] | None = None, key: str | None = None, **headers: str
    ) -> Any:
        sent = {**(who or self.admin), "Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return self.client.post(path, json=body, headers=sent)

    def put(self, path: str, body: Any, who: dict[str, str] | None = None, **headers: str) -> Any:
        sent = {**(who or self.admin), "Idempotency-Key": str(uuid.uuid4()), **headers}
        return self.client.put(path, json=body, headers=sent)

    def delete(self, path: str, who: dict[str, str] | None = None, **headers: str) -> Any:
        sent = {**(who or self.admin), "Idempotency-Key": str(uuid.uuid4()), **headers}
        return self.client.delete(path, headers=sent)

    def get(self, path: str, who: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=who or self.admin, params=params)

    def search(self, who: dict[str, str] | None = None, **params: Any) -> Any:
        """A search of the contract index, once it has caught up with every write."""
        self._follower.catch_up()
        return self.get("/contracts", who, **params)

    def register_team(self, team_id: str, cap: int = 2000, **extra: Any) -> Any:
        response = self.post("/teams", team_body(team_id, cap, **extra))
        assert response.status_code == 201, response.text
        return response

    def sign(self, team_id: str, serial: int = 1, **extra: Any) -> Any:
        """A signed contract's body (the signing must succeed)."""
        response = self.post("/contracts", self.contract_body(team_id, serial, **extra))
        assert response.status_code == 201, response.text
        return response.json()

    @staticmethod
    def contract_body(team_id: str, serial: int = 1, **extra: Any) -> dict[str, Any]:
        return {"resident": resident(serial), "team_id": team_id, "packages": ["basic"], **extra}

    identity = staticmethod(lambda serial, born=None: identity(serial, born))
    resident = staticmethod(lambda serial, **extra: resident(serial, **extra))
    team_body = staticmethod(lambda team_id, cap=2000, **extra: team_body(team_id, cap, **extra))


def team_body(team_id: str, cap: int = 2000, **extra: Any) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": f"Team {team_id}",
        "institution_id": "CHC-1",
        "institution_kind": "community_health_centre",
        "area_code": "440106",
        "members": [
            {"member_id": "doc-1", "role": "family_doctor"},
            {"member_id": "nurse-1", "role": "community_nurse"},
        ],
        "resident_cap": cap,
        **extra,
    }


def identity(serial: int, born: date | None = None) -> str:
    """A valid identity number, different for each serial (a woman's when the serial is even)."""
    born = born or date(1970, 1, 1) + timedelta(days=serial // 1000)
    return with_check_digit(f"440106{born:%Y%m%d}{serial % 1000:03d}")


def resident(serial: int, **extra: Any) -> dict[str, Any]:
    return {"identity_number": identity(serial), "name": f"Resident {serial}", "area_code": "440106", **extra}


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> SigningSettings:
    # Small pools: the test database server is shared by every test session on the machine.
    settings: SigningSettings = service_settings(SigningSettings, database_pool_size=2)
    return settings


@pytest.fixture
def api(settings: SigningSettings, mint_token: Callable[..., str]) -> Iterator[Api]:
    clock = Clock(NOW)
    app = create_app(settings, clock=clock)
    store, engine = app.state.store, app.state.index.engine
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, mint_token, clock, index_follower(settings, store, engine))
    store.close()  # the database is shared with other sessions: give the connections back
    engine.dispose()
