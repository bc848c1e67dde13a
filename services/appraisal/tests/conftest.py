from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appraisal.bootstrap import create_app, facts_projection, own_views_follower
from appraisal.settings import AppraisalSettings
from shared.messaging import Delivery

NOW = datetime(2027, 1, 20, 2, tzinfo=UTC)  # 20 January 2027, 10:00 in China


def pytest_sessionstart(session: pytest.Session) -> None:
    """Run against the arithmetic compiled (`fdcs/compiled.py`), these tests must get it, not the sources."""
    if os.environ.get("APPRAISAL_COMPILED") == "required":
        from appraisal.domain import recomputation

        if not recomputation.__file__ or not recomputation.__file__.endswith(".so"):
            raise pytest.UsageError(f"the appraisal's arithmetic is not compiled here: {recomputation.__file__}")


class Api:
    """The appraisal API as a client sees it, and the streams it is fed from."""

    def __init__(self, client: TestClient, settings: AppraisalSettings, mint: Callable[..., str]) -> None:
        self.client, self.settings, self._mint = client, settings, mint
        self.admin = self.as_("admin")
        state = client.app.state  # type: ignore[attr-defined]
        self.facts = facts_projection(settings, state.engine)
        self.own_views = own_views_follower(settings, state.engine, state.store)

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, **claims)}"}

    def feed(self, *deliveries: Delivery) -> None:
        self.facts.apply(deliveries)

    def get(self, path: str, who: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.admin if who is None else who)

    def post(
        self, path: str, body: Any, who: dict[str, str] | None = None, key: str | None = None, **headers: str
    ) -> Any:
        sent = {**(who or self.admin), "Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return self.client.post(path, json=body, headers=sent)

    def put(self, path: str, body: Any, key: str | None = None, **headers: str) -> Any:
        sent = {**self.admin, "Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return self.client.put(path, json=body, headers=sent)

    def figures(self, who: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
        answer = self.get("/indicators", who, period=params.pop("period", "2026"), **params)
        assert answer.status_code == 200, answer.text
        return answer.json()["figures"]  # type: ignore[no-any-return]


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> AppraisalSettings:
    made: AppraisalSettings = service_settings(AppraisalSettings)
    return made


@pytest.fixture
def api(settings: AppraisalSettings, mint_token: Callable[..., str]) -> Iterator[Api]:
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, settings, mint_token)
    app.state.engine.dispose()
    app.state.store.close()
