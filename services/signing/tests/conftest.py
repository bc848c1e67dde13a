from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from signing.bootstrap import create_app
from signing.domain.identity import with_check_digit
from signing.settings import SigningSettings

NOW = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)  # already 1 March in China


class Api:
    """The signing API as a client sees it, with the bearer token of a role."""

    def __init__(self, client: TestClient, mint: Callable[..., str]) -> None:
        self.client, self._mint = client, mint
        self.admin = self.as_("admin")

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, **claims)}"}

    def post(
        self, path: str, body: Any, who: dict[str, str] | None = None, key: str | None = None, **headers: str
    ) -> Any:
        sent = {**(who or self.admin), "Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return self.client.post(path, json=body, headers=sent)

    def register_team(self, team_id: str, cap: int = 2000, **extra: Any) -> Any:
        body = {
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
        response = self.post("/teams", body)
        assert response.status_code == 201, response.text
        return response

    @staticmethod
    def contract_body(team_id: str, serial: int = 1, **extra: Any) -> dict[str, Any]:
        return {
            "resident": {"identity_number": identity(serial), "name": "Li Hua", "area_code": "440106"},
            "team_id": team_id,
            "packages": ["basic"],
            **extra,
        }


def identity(serial: int) -> str:
    """A valid identity number, different for each serial."""
    born = date(1940, 1, 1) + timedelta(days=serial // 1000)
    return with_check_digit(f"440106{born:%Y%m%d}{serial % 1000:03d}")


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> SigningSettings:
    settings: SigningSettings = service_settings(SigningSettings)
    return settings


@pytest.fixture
def api(settings: SigningSettings, mint_token: Callable[..., str]) -> Iterator[Api]:
    with TestClient(create_app(settings, clock=lambda: NOW), raise_server_exceptions=False) as client:
        yield Api(client, mint_token)
