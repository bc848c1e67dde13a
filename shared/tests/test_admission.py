"""Past its capacity a process answers 503 at once, before the body is read; probes always pass;
a slot comes back however its request ends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from shared.web.admission import Admission, Capacity

Message = dict[str, Any]


class Held:
    """An app whose requests each wait until let go, then answer 200 (or fail, or read the body)."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.go = asyncio.Event()
        self.fail = False

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
        self.started.append(scope["path"])
        if scope["path"].startswith("/read"):
            await receive()  # a client that left: http.disconnect
            raise OSError("the client left")
        await self.go.wait()
        if self.fail:
            raise RuntimeError("the app failed")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class Call:
    """One request through the middleware: what was sent back, and whether the body was read."""

    def __init__(self, gate: Admission, path: str = "/contracts") -> None:
        self.sent: list[Message] = []
        self.body_read = False
        scope = {"type": "http", "method": "POST", "path": path, "headers": []}
        self.task = asyncio.ensure_future(gate(scope, self.receive, self.send))

    async def receive(self) -> Message:
        self.body_read = True
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.sent if m["type"] == "http.response.start"), None)

    @property
    def headers(self) -> dict[str, str]:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return {k.decode(): v.decode() for k, v in start["headers"]}


async def settled() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def run(scenario: Callable[[Held], Awaitable[None]]) -> None:
    asyncio.run(scenario(Held()))


def test_within_the_limit_requests_pass_and_beyond_it_a_quick_503_problem_before_the_body() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=2, queue=0, wait_seconds=1))
        first, second = Call(gate), Call(gate)
        await settled()
        third = Call(gate)
        await settled()
        assert app.started == ["/contracts", "/contracts"]
        assert third.task.done() and third.status == 503 and not third.body_read
        assert third.headers["content-type"] == "application/problem+json"
        assert third.headers["retry-after"] == "1"
        problem = json.loads(third.sent[1]["body"])
        assert problem["status"] == 503 and problem["type"] == "/problems/overloaded"
        app.go.set()
        await asyncio.gather(first.task, second.task)
        assert (first.status, second.status, gate.in_flight, gate.shed) == (200, 200, 0, 1)

    run(scenario)


def test_a_waiting_request_takes_the_next_free_slot() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=1, wait_seconds=5))
        first = Call(gate)
        await settled()
        waiting = Call(gate)
        await settled()
        assert app.started == ["/contracts"] and not waiting.task.done()
        app.go.set()
        await asyncio.gather(first.task, waiting.task)
        assert (first.status, waiting.status, gate.in_flight) == (200, 200, 0)

    run(scenario)


def test_a_request_that_waits_too_long_gets_its_503_and_leaves_the_line() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=1, wait_seconds=0.02))
        first = Call(gate)
        await settled()
        waiting = Call(gate)
        await asyncio.wait_for(waiting.task, 1)
        assert waiting.status == 503 and not waiting.body_read and not gate._waiting
        app.go.set()
        await first.task
        assert gate.in_flight == 0

    run(scenario)


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics"])
def test_probes_and_metrics_are_never_shed(path: str) -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=0, wait_seconds=0))
        first = Call(gate)
        await settled()
        probe = Call(gate, path)
        await settled()
        assert app.started == ["/contracts", path] and not probe.task.done()
        app.go.set()
        await asyncio.gather(first.task, probe.task)
        assert probe.status == 200

    run(scenario)


def test_the_slot_comes_back_when_the_app_fails() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=0, wait_seconds=0))
        app.fail = True
        app.go.set()
        with pytest.raises(RuntimeError):
            await Call(gate).task
        assert gate.in_flight == 0
        app.fail = False
        assert (await _answered(Call(gate))) == 200

    run(scenario)


def test_the_slot_comes_back_when_the_client_leaves() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=0, wait_seconds=0))
        with pytest.raises(OSError):
            await Call(gate, "/read-body").task
        assert gate.in_flight == 0

    run(scenario)


def test_the_slot_comes_back_when_the_request_is_cancelled_in_the_app_or_in_the_line() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=2, wait_seconds=5))
        working, waiting, next_in_line = Call(gate), Call(gate), Call(gate)
        await settled()
        waiting.task.cancel()
        await settled()
        assert len(gate._waiting) == 1
        working.task.cancel()  # its slot goes to the next in line, not to the cancelled one
        await settled()
        assert app.started == ["/contracts", "/contracts"] and gate.in_flight == 1
        app.go.set()
        assert (await _answered(next_in_line)) == 200
        assert gate.in_flight == 0 and not gate._waiting

    run(scenario)


def test_a_slot_handed_to_a_request_cancelled_before_it_resumes_is_passed_on() -> None:
    async def scenario(app: Held) -> None:
        gate = Admission(app, Capacity(limit=1, queue=2, wait_seconds=5))
        gate.in_flight = 1  # a request elsewhere holds the only slot
        handed, after = Call(gate), Call(gate)
        await settled()
        gate._release()  # that request ends: its slot goes to `handed`…
        handed.task.cancel()  # …cancelled before it could resume
        app.go.set()
        assert (await _answered(after)) == 200
        assert handed.task.cancelled() and app.started == ["/contracts"] and gate.in_flight == 0

    run(scenario)


async def _answered(call: Call) -> int | None:
    await call.task
    return call.status


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_line_that_has_not_emptied_for_the_wait_is_served_newest_first() -> None:
    async def scenario(app: Held) -> None:
        clock = Clock()
        gate = Admission(app, Capacity(limit=1, queue=3, wait_seconds=10), clock=clock)
        working = Call(gate, "/first")
        await settled()
        oldest = Call(gate, "/oldest")  # a burst: first come first served
        await settled()
        clock.now = 11  # the line has held someone for longer than the wait: overload
        newest = Call(gate, "/newest")
        await settled()
        app.go.set()  # each request ends as soon as it starts
        await working.task
        await settled()
        assert app.started == ["/first", "/newest", "/oldest"]
        await asyncio.gather(newest.task, oldest.task)
        assert gate.in_flight == 0 and not gate._waiting

    run(scenario)


def test_a_line_that_empties_stays_first_come_first_served() -> None:
    async def scenario(app: Held) -> None:
        clock = Clock()
        gate = Admission(app, Capacity(limit=1, queue=3, wait_seconds=10), clock=clock)
        working = Call(gate, "/first")
        await settled()
        clock.now = 20  # long since the line was last empty, but it is empty now: no overload
        second, third = Call(gate, "/second"), Call(gate, "/third")
        await settled()
        app.go.set()
        await asyncio.gather(working.task, second.task, third.task)
        assert app.started == ["/first", "/second", "/third"]

    run(scenario)


def test_in_overload_a_newcomer_waits_briefly_and_a_full_line_drops_its_oldest() -> None:
    async def scenario(app: Held) -> None:
        clock = Clock()
        capacity = Capacity(limit=1, queue=2, wait_seconds=10, congested_wait_seconds=0.02)
        gate = Admission(app, capacity, clock=clock)
        working = Call(gate, "/first")
        await settled()
        oldest, older = Call(gate, "/oldest"), Call(gate, "/older")
        await settled()
        clock.now = 11
        newest = Call(gate, "/newest")  # the line is full: the oldest gives way at once
        await settled()
        assert oldest.task.done() and oldest.status == 503 and not oldest.body_read
        await asyncio.wait_for(newest.task, 1)  # no slot within its brief wait
        assert newest.status == 503 and not older.task.done() and gate.shed == 2
        app.go.set()
        await asyncio.gather(working.task, older.task)
        assert older.status == 200 and gate.in_flight == 0 and not gate._waiting

    run(scenario)
