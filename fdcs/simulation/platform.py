"""The platform as its users reach it: the public HTTP APIs, with each actor's bearer token.

Every call carries an idempotency key derived from the run's seed and the step, so an
interrupted run resumed later repeats what it had sent and the platform replays it; and
each call carries the simulated moment it happens at (`X-Simulated-Time`). A device's call, made
with the device's own secret, carries the simulation's token beside it (`X-Simulation-Authorization`),
which the services require before they let it set its time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

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
        # aiohttp rather than httpx: the client's CPU was the largest of the run's processes, and
        # httpx spent about 2.6 ms of it on a request at 16 in flight (httpcore looks at every
        # pooled connection for each one), aiohttp 0.25 ms. Made on the first call, in its loop.
        self._http: dict[str, aiohttp.ClientSession] = {}
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
                answer = await self._answer(service, method, path, body, headers, params)
            except (aiohttp.ClientError, TimeoutError):
                answer = None
            if answer is not None and answer.status not in RETRIED and not _race_lost(answer):
                break
            await asyncio.sleep(min(0.2 * 2**attempt, 5))
        else:
            raise RuntimeError(f"{service} {method} {path}: the platform did not answer")
        if answer.status >= 400:
            raise Refused(answer.status, answer.json() or {})
        return answer.json()

    async def _answer(  # noqa: PLR0913
        self, service: str, method: str, path: str, body: Any, headers: dict[str, str], params: dict[str, Any] | None
    ) -> Answer:
        if service not in self._http:
            timeout = aiohttp.ClientTimeout(total=60)
            self._http[service] = aiohttp.ClientSession(self._urls[service], timeout=timeout)
        async with self._http[service].request(method, path, json=body, headers=headers, params=params) as answer:
            return Answer(answer.status, answer.headers.get("content-type", ""), await answer.read())

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
            await client.close()
        if self.claims is not None:
            self.claims.close()


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


def _race_lost(answer: Answer) -> bool:
    return (
        answer.status == 409
        and answer.content_type.startswith("application/problem+json")
        and answer.json().get("type") == RACE_LOST
    )
