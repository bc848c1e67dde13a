"""`python -m fdcs simulate`: generate the county, then drive its year through the platform.

Deterministic for a seed; shows progress with requests per second; Ctrl-C saves a
checkpoint (`.local/simulation/seed-<n>-….json`) that the next run resumes from: the
checkpoint is the state at the start of the day it stopped in, so a resumed run does
and counts what an uninterrupted one does.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tqdm import tqdm

from fdcs.simulation.area import COUNTY, county
from fdcs.simulation.life import life
from fdcs.simulation.platform import Platform
from fdcs.simulation.population import residents
from fdcs.simulation.state import OlderCheckpoint, State
from fdcs.simulation.summary import summarise
from fdcs.simulation.year import Year

CHECKPOINTS = Path(".local/simulation")
# The run starts with the last month of the year before, so contracts are running when the
# year starts. Each simulated day costs a few round trips even when nothing happens in it (the
# daily jobs, one after the other: run together, a stopped and resumed run no longer summed up
# the same): with nine months before the year, as it had, no figure of the year showed on the
# dashboard for two minutes and more; with one, the year's figures start within the first minute.
LEAD_IN_FROM = (12, 1)
# A checkpoint every so many seconds (and on stopping): writing one takes a while for a large
# county; taken every ten days, as it was, a 20,000-resident run spent minutes on them.
CHECKPOINT_EVERY = 15.0


async def simulate(  # noqa: PLR0913
    n: int,
    year: int,
    seed: int,
    platform: Platform,
    concurrency: int = 16,
    fresh: bool = False,
    quiet: bool = False,
    checkpoints: Path = CHECKPOINTS,
) -> State:
    rng = random.Random(seed)
    area = county(COUNTY, n, rng)
    people = residents(n, list(area.townships), year, rng)
    start = date(year - 1, *LEAD_IN_FROM)
    lives = [life(p, seed, start, year) for p in people]
    checkpoint = checkpoints / f"seed-{seed}-{n}-{year}.json"
    state = State.load(checkpoint) if checkpoint.exists() and not fresh else State(seed, n, year)
    sim = Year(platform, area, people, lives, state, start)
    sim._calendar = sim.calendar()
    started, sent = time.monotonic(), platform.requests
    saved = started
    bar = tqdm(total=sim.days, initial=state.next_day, unit="day", disable=quiet, desc=f"{year}")
    try:
        while state.next_day < sim.days:
            await sim.run_day(state.next_day, concurrency)
            state.day_done(platform.requests - sent)
            sent = platform.requests
            if time.monotonic() - saved >= CHECKPOINT_EVERY:
                state.save(checkpoint)
                saved = time.monotonic()
            rate = (platform.requests + platform.retries) / max(time.monotonic() - started, 1e-6)
            bar.set_postfix_str(f"{rate:,.0f} req/s, {state.requests:,} requests")
            bar.update(1)
        if state.next_day == sim.days:  # then December's settlement and the appraisal, once
            await sim.finish()
            state.day_done(platform.requests - sent)
    finally:
        bar.close()
        state.undo_day()  # stopped in the middle of a day: it runs again in full on resuming
        state.save(checkpoint)
    return state


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where installed (as the services serve on it): the client's loop costs less a request."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(n: int, year: int, seed: int, concurrency: int, fresh: bool) -> int:
    async def run() -> int:
        platform = Platform.local(seed)
        try:
            state = await simulate(n, year, seed, platform, concurrency, fresh)
            print(await summarise(platform, state))
            if platform.retries:  # not in the summary: how busy the platform was differs from run to run
                print(f"({platform.retries:,} tried again: the platform was busy or behind)")
        finally:
            await platform.close()
        return 0

    try:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            return runner.run(run())
    except OlderCheckpoint as older:
        print(older)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the next run with the same arguments resumes where this one stopped")
        return 130
