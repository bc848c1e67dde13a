"""Admission control: a bound on the requests a process works on at once, so overload is refused, not queued.

Without it every request that arrives is started: past the machine's capacity they all slow
down together, and throughput falls as clients are added (congestion collapse). Here at most
`limit` requests are in flight; up to `queue` more wait, each at most `wait_seconds`, for a
slot; the rest, and those that waited too long, get a quick 503 problem with `Retry-After`,
before anything reads their body or verifies their token. Probes and metrics are never
refused: a busy pod is not a dead one.

The line is first come first served while it empties now and then: a burst waits its turn.
Once it has not been empty for `wait_seconds` the process is overloaded, not bursting, and
the line turns (Facebook's adaptive LIFO with CoDel, "Fail at scale", ACM Queue 13(8), 2015):
the newest waiter takes a freed slot, a newcomer waits `congested_wait_seconds` at most, and
a full line drops its oldest. In a line that never empties, first come first served makes
every answer wait for the whole line, so all of them come late; served newest first, most
come quickly and the rest get their 503 early, the same number of slots kept busy.

No per-caller rate (429) here: each process would count a caller's requests to it alone (of
HTTP_WORKERS times replicas), so the limit would drift with the deployment; a per-caller rate
belongs where every request passes, the ingress or gateway.

A pure ASGI middleware (no task or stream per request, as BaseHTTPMiddleware would add).
uvicorn's `--limit-concurrency` counts connections, answers in plain text without
`Retry-After` and refuses the probes too, so it is not used; the rate limiters (slowapi,
limits, asgi-ratelimit) count requests per unit of time, not requests in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import Any

from shared.web.problems import problem

NEVER_SHED = ("/health/", "/metrics")
RETRY_AFTER = "1"  # seconds: long against a request's time, short for a client to wait


@dataclass(frozen=True)
class Capacity:
    """What one process takes on: `limit` requests in flight, `queue` more waiting `wait_seconds` at
    most, or `congested_wait_seconds` once the line has not been empty for `wait_seconds`."""

    limit: int = 16
    queue: int = 32
    wait_seconds: float = 0.05
    congested_wait_seconds: float = 0.005  # CoDel's target


class Admission:
    """ASGI middleware, outermost: a request holds a slot from its start until its app returns,
    however it ends (an answer, an error, a client that left, a cancelled task)."""

    def __init__(
        self,
        app: Any,
        capacity: Capacity,
        never_shed: Sequence[str] = NEVER_SHED,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.app, self.never_shed, self.capacity, self._clock = app, tuple(never_shed), capacity, clock
        self.in_flight = 0
        self.shed = 0  # requests refused since the start
        self._waiting: deque[asyncio.Future[bool]] = deque()
        self._emptied = clock()  # when the line was last empty

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.never_shed):
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            self.shed += 1
            await _overloaded(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admit(self) -> bool:
        if self.in_flight < self.capacity.limit:  # then no one waits: a finishing request hands its slot to a waiter
            self.in_flight += 1
            return True
        if self.capacity.queue <= 0 or self.capacity.wait_seconds <= 0:
            return False
        congested = self._congested()
        if len(self._waiting) >= self.capacity.queue:
            if not congested:
                return False
            _resolve(self._waiting.popleft(), False)  # the oldest gives way: it would be served last
        turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        wait = self.capacity.congested_wait_seconds if congested else self.capacity.wait_seconds
        timer = asyncio.get_running_loop().call_later(wait, _resolve, turn, False)
        try:
            return await turn  # True: a finishing request handed its slot over
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.result():
                self._release()  # handed a slot, then cancelled before using it: pass it on
            raise
        finally:
            timer.cancel()
            if turn in self._waiting:  # timed out or cancelled while still in the line
                self._waiting.remove(turn)
                self._noted()

    def _release(self) -> None:
        newest = self._congested()
        while self._waiting:
            turn = self._waiting.pop() if newest else self._waiting.popleft()
            self._noted()
            if not turn.done():
                turn.set_result(True)  # the slot passes straight on: in_flight stays
                return
        self.in_flight -= 1

    def _congested(self) -> bool:
        """Whether the line has not been empty for `wait_seconds`: overload, not a burst."""
        self._noted()
        return self._clock() - self._emptied > self.capacity.wait_seconds

    def _noted(self) -> None:
        if not self._waiting:
            self._emptied = self._clock()


def _resolve(turn: asyncio.Future[bool], admitted: bool) -> None:
    if not turn.done():
        turn.set_result(admitted)


async def _overloaded(scope: dict[str, Any], receive: Any, send: Any) -> None:
    detail = "the service is at capacity; retry after the time in Retry-After"
    await problem(503, "overloaded", detail, {"Retry-After": RETRY_AFTER})(scope, receive, send)
