"""A seed gives the same year on two platforms of its own, though the second run is stopped in
the middle of a day and resumed: the same summary, read from the platform's views (the money
each month's close settled, the capitation advanced, claimed and reconciled, the performance pay,
appraisal's coverage and ranking) and counting the whole run's requests.

Each platform has a broker of its own: on a shared one, the second platform's projections
would read the first one's events too.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fdcs.launcher import onboard_simulated_partners, simulated_claims_source
from fdcs.simulation.platform import Platform
from fdcs.simulation.runner import simulate
from fdcs.simulation.state import State
from fdcs.simulation.summary import summarise
from shared.servers.broker import platform_kafka
from shared.testing.fixtures import services_environment
from shared.testing.processes import Processes

RESIDENTS, YEAR, SEED = 30, 2026, 3
SERVICES = ("signing", "health-records", "referral", "billing", "appraisal")
# A platform's simulation: its services' URLs and its county's claims source on its broker.
Connect = Callable[..., Platform]


class PowerCut(Exception):
    """The run stops in the middle of a day (as Ctrl-C would)."""


class StoppingPlatform(Platform):
    """The real platform, until a number of calls: then the run stops."""

    stop_after: int | None = None

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
        again: bool = False,
    ) -> Any:
        if self.stop_after is not None and self.requests >= self.stop_after:
            raise PowerCut
        return await super().call(service, method, path, who, at, body, step, params, again)


@contextmanager
def county_platform(postgres_url: str, jwt_keys: Path, folder: Path) -> Iterator[Connect]:
    with platform_kafka(folder / "kafka") as broker:
        (folder / "logs").mkdir(parents=True)
        processes = Processes(services_environment(postgres_url, broker, jwt_keys), folder / "logs", broker)
        try:
            onboard_simulated_partners(broker)
            urls = processes.start_county(SERVICES, uuid.uuid4().hex[:8])
            yield lambda kind=Platform: kind(urls, SEED, jwt_keys, claims=simulated_claims_source(broker))
        finally:
            processes.stop()


async def year(platform: Platform, checkpoints: Path) -> State:
    try:
        return await simulate(RESIDENTS, YEAR, SEED, platform, 8, quiet=True, checkpoints=checkpoints)
    finally:
        await platform.close()


async def summary_once_settled(platform: Platform, state: State, within: float = 60) -> str:
    """The summary once the views have read every event (two readings a while apart agree)."""
    deadline, last = time.monotonic() + within, ""
    try:
        while time.monotonic() < deadline:
            summary = await summarise(platform, state)
            if summary == last:
                return summary
            last = summary
            await asyncio.sleep(1.5)
        raise AssertionError(f"the views kept changing for {within} s:\n{last}")
    finally:
        await platform.close()


async def whole_year(connect: Connect, checkpoints: Path) -> tuple[int, str]:
    state = await year(connect(), checkpoints)
    return state.requests, await summary_once_settled(connect(), state)


async def stopped_and_resumed(connect: Connect, checkpoints: Path, after: int) -> tuple[int, str]:
    stopping = connect(StoppingPlatform)
    stopping.stop_after, stopped_on = after, -1
    try:
        await year(stopping, checkpoints)
    except PowerCut:
        stopped_on = State.load(next(checkpoints.glob("*.json"))).next_day
    state = await year(connect(), checkpoints)
    return stopped_on, await summary_once_settled(connect(), state)


def test_a_seed_gives_the_same_year_on_another_platform_though_stopped_and_resumed(
    postgres_url: str, jwt_keys: Path, tmp_path: Path
) -> None:
    with county_platform(postgres_url, jwt_keys, tmp_path / "one") as connect:
        requests, whole = asyncio.run(whole_year(connect, tmp_path / "one"))
    print(f"\n{whole}")
    with county_platform(postgres_url, jwt_keys, tmp_path / "two") as connect:
        stopped_on, resumed = asyncio.run(stopped_and_resumed(connect, tmp_path / "two", requests // 2))

    assert "contracts signed" in whole and "Best team" in whole
    assert "appointments attended" in whole and "readings sent" in whole, whole  # the same, resumed or not
    assert 100 < stopped_on < 600  # in the middle of the run
    assert " due " in whole  # the money each month's close settled: a close waits for billing's inputs
    # The capitation: advanced each month, the claims noted, the year reconciled, its performance pay.
    assert re.search(r"^  claims sent: [1-9]", whole, re.MULTILINE), whole
    assert re.search(r"^  capitation advances: 12$", whole, re.MULTILINE), whole
    assert re.search(r"advanced [1-9][\d,]*\.\d\d", whole) and re.search(r"own outpatient [1-9]", whole), whole
    assert re.search(r"^Performance pay \d+: [1-9]", whole, re.MULTILINE), whole
    # Residents move or cancel a few appointments (a small county: not always both; the fast test
    # fdcs/tests/test_simulation_determinism.py counts each, and the specialist slots, on 300).
    assert re.search(r"^  appointments (rescheduled|cancelled): [1-9]", whole, re.MULTILINE), whole
    assert "refused" not in whole, whole  # none of the simulation's calls refused by the platform
    assert resumed == whole
