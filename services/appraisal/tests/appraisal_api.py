"""The appraisal API as the tests drive it: its app on the test servers, a client, the streams it is fed from."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from appraisal.bootstrap import create_app, facts_projection, own_views_follower
from appraisal.settings import AppraisalSettings
from shared.messaging import Delivery

NOW = datetime(2027, 1, 20, 2, tzinfo=UTC)  # 20 January 2027, 10:00 in China
CITIES = ("4401", "4402", "4403")
"""The cities the tests' data names (Guangzhou, Shaoguan, Shenzhen; any other goes to `_rest`):
a test schema partitioned by Guangdong's 21 took three times as long to make (704 relations)."""


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


@contextmanager
def serving(settings: AppraisalSettings, mint: Callable[..., str]) -> Iterator[Api]:
    """The app on `settings`, its tables made: the `api` fixture's, or a module's own."""
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, settings, mint)
    app.state.engine.dispose()
    app.state.store.close()
