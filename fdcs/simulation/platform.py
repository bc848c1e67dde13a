"""The platform as its users reach it: the public HTTP APIs, with each actor's bearer token.

Every call carries an idempotency key derived from the run's seed and the step, so an
interrupted run resumed later repeats what it had sent and the platform replays it; and
each call carries the simulated moment it happens at (`X-Simulated-Time`). A device's call, made
with the device's own secret, carries the simulation's token beside it (`X-Simulation-Authorization`),
which the services require before they let it set its time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from fdcs.simulation.claims import ClaimsSource
from shared.devkeys import KEYS, ensure_keys, mint

PORTS = {"signing": 8001, "referral": 8002, "billing": 8003, "appraisal": 8004, "health-records": 8005}
RETRIED = {502, 503, 504}
# A command whose streams kept changing under it was not done (no receipt): the problem says to retry.
RACE_LOST = "/problems/concurrent-update"
# Whose token vouches for a device's simulated time: a resident of nobody, so it can do nothing else.
CLOCK: dict[str, str | None] = {"sub": "sim-clock", "role": "resident"}


class Refused(Exception):
    """The platform said no (a 4xx problem): part of life, the simulation carries on."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('type')}: {problem.get('detail')}")
        self.status, self.problem = status, problem


class Platform:
    claims: ClaimsSource | None = None  # the outpatient claims' source on Kafka; None: no claims are sent

    def __init__(self, urls: dict[str, str], seed: int, keys: Path = KEYS, claims: ClaimsSource | None = None) -> None:
        ensure_keys(keys)
        self._urls, self._seed, self._keys = urls, seed, keys
        self.claims = claims
        self._tokens: dict[tuple[tuple[str, str], ...], str] = {}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        # A pool per service: httpcore looks at every pooled connection on each request (a system
        # call for each): with one pool for all five services, that was a fifth of the client's time.
        self._http = {s: httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for s, url in urls.items()}
        self.requests = 0  # calls made, each once however often it was tried
        self.retries = 0  # tries again of a call the platform was too busy for (not the same each run)

    @classmethod
    def local(cls, seed: int, host: str = "127.0.0.1") -> Platform:
        return cls({s: f"http://{host}:{p}" for s, p in PORTS.items()}, seed, claims=ClaimsSource.from_environment())

    def token(self, **claims: str | None) -> str:
        key = tuple(sorted((k, v) for k, v in claims.items() if v))
        if key not in self._tokens:
            # The simulation's own tokens: the only ones the services let set X-Simulated-Time.
            self._tokens[key] = mint({**dict(key), "simulation": True}, folder=self._keys, hours=24)
        return self._tokens[key]

    async def call(  # noqa: PLR0913
        self,
        service: str,
        method: str,
        path: str,
        who: Mapping[str, str | None],
        at: datetime | None,
        body: Any = None,
        step: str | None = None,
        params: dict[str, Any] | None = None,
        again: bool = False,  # a call the platform had refused for want of events: one more try
    ) -> Any:
        headers = self._headers(who, at, step)
        self.retries += again
        self.requests += not again
        for attempt in range(8):
            if attempt:
                self.retries += 1
            try:
                answer = await self._http[service].request(method, path, json=body, headers=headers, params=params)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code not in RETRIED and not _race_lost(answer):
                break
            await asyncio.sleep(min(0.2 * 2**attempt, 5))
        else:
            raise RuntimeError(f"{service} {method} {path}: the platform did not answer")
        if answer.status_code >= 400:
            raise Refused(answer.status_code, answer.json() if answer.content else {})
        return answer.json() if answer.content else None

    def _headers(self, who: Mapping[str, str | None], at: datetime | None, step: str | None) -> dict[str, str]:
        # A device authenticates with the secret it was given when linked, not a person's token.
        credential = f"Device {who['device']}" if "device" in who else f"Bearer {self.token(**who)}"
        headers = {"Authorization": credential}
        if at is not None:  # None: a public read (health), which no one may tell the time
            headers["X-Simulated-Time"] = at.isoformat()
            if "device" in who:  # the device's secret is not the simulation's: its token goes beside
                headers["X-Simulation-Authorization"] = f"Bearer {self.token(**CLOCK)}"
        if step is not None:
            headers["Idempotency-Key"] = f"sim-{self._seed}-{step}"
        return headers

    async def close(self) -> None:
        for client in self._http.values():
            await client.aclose()
        if self.claims is not None:
            self.claims.close()


def _race_lost(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 409
        and answer.headers.get("content-type", "").startswith("application/problem+json")
        and answer.json().get("type") == RACE_LOST
    )
