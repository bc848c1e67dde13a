"""A simulated clock for development and tests: `X-Simulated-Time` sets a request's "now".

The simulation drives a year through the APIs in minutes; each request says which moment
of that year it happens at, so contracts, visits and referrals carry their simulated
times. Production refuses the setting (`SIMULATED_CLOCK`); where it is on, only the
simulation's own tokens (claim `simulation: true`) may set the time, so no other caller can
backdate a fact, and the moment must fall within the platform's dates.

A request authenticated otherwise than by a bearer token (a device, by its own secret) carries
the simulation's token in `X-Simulation-Authorization: Bearer <token>`, verified as a bearer token
is; it only lets the request set its time (who the caller is stays the device's to prove). A
request whose bearer token the guard checked is judged by that token alone.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from shared.principal import Principal
from shared.web.auth import TokenVerifier
from shared.web.bounds import EARLIEST, LATEST
from shared.web.problems import Problem, problem

HEADER = b"x-simulated-time"
CREDENTIAL = b"x-simulation-authorization"  # the simulation's token, beside a device's own credential
_now: ContextVar[datetime | None] = ContextVar("simulated_now", default=None)


def simulated(clock: Any) -> Any:
    """The app's clock, answering the request's simulated time when it has one."""
    return lambda: _now.get() or clock()


class SimulatedTime:
    """ASGI middleware: installed only when the setting allows it. `verifier` checks the
    simulation's token of a request the guard did not (a device's)."""

    def __init__(self, app: Any, verifier: TokenVerifier | None = None) -> None:
        self.app, self.verifier = app, verifier

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raw = _header(scope, HEADER) if scope["type"] == "http" else None
        if raw is None:
            await self.app(scope, receive, send)
            return
        who: Principal | None = scope.get("state", {}).get("principal") or await self._simulation(scope)
        if who is None or not who.simulation:
            await problem(403, "simulated-time-forbidden", "only the simulation may set X-Simulated-Time")(
                scope, receive, send
            )
            return
        moment = _moment(raw)
        if moment is None:
            detail = f"X-Simulated-Time must be an ISO time with its zone, from {EARLIEST} to {LATEST}"
            await problem(400, "bad-simulated-time", detail)(scope, receive, send)
            return
        token = _now.set(moment)
        try:
            await self.app(scope, receive, send)
        finally:
            _now.reset(token)

    async def _simulation(self, scope: dict[str, Any]) -> Principal | None:
        """The principal of `X-Simulation-Authorization`, for a request no bearer token named."""
        scheme, _, token = (_header(scope, CREDENTIAL) or b"").decode("latin-1").partition(" ")
        if self.verifier is None or scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await self.verifier.verify_async(token.strip())
        except Problem:  # a forged or expired token sets no time: refused like none
            return None


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    return next((v for k, v in scope.get("headers", ()) if k == name), None)


def _moment(raw: bytes) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw.decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if moment.tzinfo is None or not EARLIEST <= moment.date() <= LATEST:
        return None
    return moment
